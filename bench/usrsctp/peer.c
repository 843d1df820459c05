/*
 * A small usrsctp peer for bench/sctp.bench.ts and test/io/sctp-usrsctp.test.ts: one association,
 * SCTP over UDP (RFC 6951), no debug output (Debian's tsctp logs every timer event).
 * Compiled at run time: gcc -O2 -o peer peer.c -lusrsctp
 *
 *   peer recv -u LOCAL_UDP -p SCTP_PORT [-b BUF]
 *       listens on 127.0.0.1:SCTP_PORT, accepts one association, reads until the peer shuts down;
 *   peer send -u LOCAL_UDP -U REMOTE_UDP -a REMOTE_ADDR -p SCTP_PORT -s SIZE [-t SECONDS] [-n COUNT]
 *             [-S STREAMS] [-m MTU] [-b BUF]
 *       connects, sends SIZE-byte messages (PPID 4000, stream i % STREAMS, ordered) for SECONDS or
 *       COUNT messages (if -n is given), then shuts down gracefully.
 *
 * Prints "ready" on stderr once listening (recv) or associated (send), and one JSON object on stdout
 * at the end: {"role","msgs","bytes","secs","msgsPerSec","MBps","streams":[messages per stream]}.
 * A receiver measures from its first to its last byte received; a sender from after the handshake
 * to its last send call. BUF (default 4 MiB) sets SO_SNDBUF and SO_RCVBUF.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <usrsctp.h>

#define MAX_STREAMS 64

static double now(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what) {
	fprintf(stderr, "peer: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void setopt(struct socket *s, int level, int name, const void *value, socklen_t len, const char *what) {
	if (usrsctp_setsockopt(s, level, name, value, len) < 0) die(what);
}

static void report(const char *role, unsigned long long msgs, unsigned long long bytes, double secs,
                   const unsigned long long *streams, int nstreams) {
	if (secs <= 0) secs = 1e-9;
	printf("{\"role\":\"%s\",\"msgs\":%llu,\"bytes\":%llu,\"secs\":%.6f,\"msgsPerSec\":%.0f,\"MBps\":%.2f,\"streams\":[",
	       role, msgs, bytes, secs, (double)msgs / secs, (double)bytes / secs / 1e6);
	for (int i = 0; i < nstreams; i++) printf("%s%llu", i ? "," : "", streams[i]);
	printf("]}\n");
	fflush(stdout);
}

int main(int argc, char **argv) {
	if (argc < 2) {
		fprintf(stderr, "usage: peer recv|send [options] (see peer.c)\n");
		return 2;
	}
	int sending = strcmp(argv[1], "send") == 0;
	int localUdp = 0, remoteUdp = 0, port = 0, size = 100, nstreams = 1, mtu = 0, buf = 4 << 20;
	double seconds = 3;
	unsigned long long count = 0;
	const char *addr = "127.0.0.1";
	int opt;
	optind = 2;
	while ((opt = getopt(argc, argv, "u:U:a:p:s:t:n:S:m:b:")) != -1) {
		switch (opt) {
		case 'u': localUdp = atoi(optarg); break;
		case 'U': remoteUdp = atoi(optarg); break;
		case 'a': addr = optarg; break;
		case 'p': port = atoi(optarg); break;
		case 's': size = atoi(optarg); break;
		case 't': seconds = atof(optarg); break;
		case 'n': count = strtoull(optarg, NULL, 10); break;
		case 'S': nstreams = atoi(optarg); break;
		case 'm': mtu = atoi(optarg); break;
		case 'b': buf = atoi(optarg); break;
		default: return 2;
		}
	}
	if (localUdp <= 0 || port <= 0 || nstreams < 1 || nstreams > MAX_STREAMS || size < 1) {
		fprintf(stderr, "peer: -u and -p are required; 1 <= -S <= %d\n", MAX_STREAMS);
		return 2;
	}

	usrsctp_init((uint16_t)localUdp, NULL, NULL);
	usrsctp_sysctl_set_sctp_blackhole(2);
	struct socket *s = usrsctp_socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP, NULL, NULL, 0, NULL);
	if (!s) die("usrsctp_socket");
	setopt(s, SOL_SOCKET, SO_SNDBUF, &buf, sizeof buf, "SO_SNDBUF");
	setopt(s, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf, "SO_RCVBUF");
	struct sctp_initmsg init;
	memset(&init, 0, sizeof init);
	init.sinit_num_ostreams = MAX_STREAMS;
	init.sinit_max_instreams = MAX_STREAMS;
	setopt(s, IPPROTO_SCTP, SCTP_INITMSG, &init, sizeof init, "SCTP_INITMSG");
	if (remoteUdp > 0) {
		struct sctp_udpencaps encaps;
		memset(&encaps, 0, sizeof encaps);
		encaps.sue_address.ss_family = AF_INET;
		encaps.sue_port = htons((uint16_t)remoteUdp);
		setopt(s, IPPROTO_SCTP, SCTP_REMOTE_UDP_ENCAPS_PORT, &encaps, sizeof encaps, "SCTP_REMOTE_UDP_ENCAPS_PORT");
	}
	struct sockaddr_in sin;
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	unsigned long long streams[MAX_STREAMS] = {0};

	if (!sending) {
		sin.sin_addr.s_addr = inet_addr(addr);
		if (usrsctp_bind(s, (struct sockaddr *)&sin, sizeof sin) < 0) die("usrsctp_bind");
		if (usrsctp_listen(s, 1) < 0) die("usrsctp_listen");
		fprintf(stderr, "ready\n");
		struct socket *c = usrsctp_accept(s, NULL, NULL);
		if (!c) die("usrsctp_accept");
		const int on = 1;
		setopt(c, IPPROTO_SCTP, SCTP_RECVRCVINFO, &on, sizeof on, "SCTP_RECVRCVINFO");
		size_t len = 1 << 20;
		char *data = malloc(len);
		unsigned long long msgs = 0, bytes = 0;
		double first = 0, last = 0;
		for (;;) {
			struct sctp_rcvinfo info;
			socklen_t infolen = sizeof info;
			unsigned int infotype = 0;
			int flags = 0;
			ssize_t n = usrsctp_recvv(c, data, len, NULL, NULL, &info, &infolen, &infotype, &flags);
			if (n <= 0) break;
			last = now();
			if (bytes == 0) first = last;
			bytes += (unsigned long long)n;
			if (flags & MSG_EOR) {
				msgs++;
				if (infotype == SCTP_RECVV_RCVINFO && info.rcv_sid < MAX_STREAMS) streams[info.rcv_sid]++;
			}
		}
		int used = MAX_STREAMS;
		while (used > 0 && streams[used - 1] == 0) used--;
		report("receiver", msgs, bytes, last - first, streams, used);
		usrsctp_close(c);
		usrsctp_close(s);
	} else {
		if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1) die("bad -a address");
		if (usrsctp_connect(s, (struct sockaddr *)&sin, sizeof sin) < 0) die("usrsctp_connect");
		if (mtu > 0) {
			struct sctp_paddrparams pp;
			memset(&pp, 0, sizeof pp);
			memcpy(&pp.spp_address, &sin, sizeof sin);
			pp.spp_flags = SPP_PMTUD_DISABLE;
			pp.spp_pathmtu = (uint32_t)mtu;
			setopt(s, IPPROTO_SCTP, SCTP_PEER_ADDR_PARAMS, &pp, sizeof pp, "SCTP_PEER_ADDR_PARAMS");
		}
		fprintf(stderr, "ready\n");
		char *data = malloc((size_t)size);
		memset(data, 'A', (size_t)size);
		struct sctp_sndinfo info;
		memset(&info, 0, sizeof info);
		info.snd_ppid = htonl(4000); /* unassigned: tshark shows the payload as data */
		unsigned long long msgs = 0, bytes = 0;
		double start = now(), end = start + seconds, t = start;
		while ((count == 0 || msgs < count) && (count > 0 || t < end)) {
			info.snd_sid = (uint16_t)(msgs % (unsigned)nstreams);
			if (usrsctp_sendv(s, data, (size_t)size, NULL, 0, &info, sizeof info, SCTP_SENDV_SNDINFO, 0) < 0) {
				if (errno == EINTR || errno == EAGAIN) continue;
				die("usrsctp_sendv");
			}
			streams[info.snd_sid]++;
			msgs++;
			bytes += (unsigned long long)size;
			if ((msgs & 63) == 0 || count > 0) t = now();
		}
		report("sender", msgs, bytes, now() - start, streams, nstreams);
		usrsctp_close(s);
	}
	while (usrsctp_finish() != 0) usleep(10000);
	return 0;
}
