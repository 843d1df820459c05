/**
 * Protocol cores name transport associations by an opaque number chosen by the driver (src/io), never
 * by an object of the transport: this keeps cores independent of SCTP or TCP.
 */
export type AssociationId = number;
