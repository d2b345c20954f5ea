// An emulated access link on loopback: a TCP proxy between the browser and the dev server that
// carries every connection through one shared link per direction, as a home line or a long
// fat link does. Why a proxy and not the kernel: this kernel has no `netem` qdisc, so delay
// cannot come from `tc`; and once the proxy delays, it shapes too, so neither a network
// namespace nor `tc` is needed (README "Performance" has the method and the check against
// Chromium's DevTools emulation).
//
// The model, per direction:
// - Bandwidth: one transmitter, shared by every connection. It sends quanta of 16 KiB (or 1 ms
//   of the link if more), taking connections with bytes waiting in turn (round-robin, the
//   fairness of fq_codel, Linux's default qdisc), each quantum occupying the link for its size /
//   bandwidth.
// - Delay: a quantum reaches the other end RTT/2 after its last bit left the transmitter.
// - Window: a connection has at most WINDOW bytes in flight, from when the proxy read them from
//   the sender until their acknowledgement would be back (delivery + RTT/2); beyond that the
//   proxy stops reading from the sender's socket, so the sender's socket buffer fills and its
//   writes block, as on a real link. WINDOW is 4 MiB, the maximum of Linux's default
//   `net.ipv4.tcp_wmem` (4096 16384 4194304): what an autotuned send buffer can keep in flight.
//   One connection then tops out at WINDOW / RTT (28 MB/s at 150 ms).
// - Connection set-up: a new connection's first bytes are read one RTT after it was accepted
//   (the SYN, SYN-ACK round trip before a client can send).
// Not modelled: loss, TCP slow start and congestion control (every connection gets its share
// of the link from its first byte), TLS (the dev server speaks plain HTTP).
//
// Only ever listens on and connects to 127.0.0.1.

import net from "node:net";

export const WINDOW = 4 * 1024 * 1024;
/// What the transmitter takes from a connection in its turn: 16 KiB, or 1 ms of the link when
/// that is more (fewer, larger writes at 300 Mbit/s, where 16 KiB would be 2,300 a second).
const QUANTUM = 16 * 1024;
/// The transmitter runs ahead of the clock by up to this much, so that one timer sends several
/// quanta (node's timers fire ~1 ms late at best).
const AHEAD_MS = 2;

/// One direction of the link: a transmitter shared by every flow (one direction of one
/// connection) that has bytes waiting.
class Direction {
  constructor(mbit, delayMs) {
    this.bytesPerMs = (mbit * 1e6) / 8 / 1000;
    this.quantum = Math.max(QUANTUM, Math.round(this.bytesPerMs));
    this.delayMs = delayMs;
    this.flows = new Set();
    this.busyUntil = 0;
    this.timer = null;
    this.carried = 0;
  }

  /// Bytes arrived. If the transmitter was idle it starts now: an idle link banks no credit (it
  /// cannot send faster later for having been idle). A busy one is already timed.
  kick() {
    if (this.timer) return;
    this.busyUntil = Math.max(this.busyUntil, performance.now());
    this.pump();
  }

  /// Sends quanta until the transmitter is AHEAD_MS ahead of the clock. Called by its timer, it
  /// goes on from where the last quantum ended even when the timer fired late (node's timers
  /// do, by a millisecond or more on a loaded machine), so the average rate stays the nominal
  /// one; resetting to "now" there would lose that lateness on every quantum.
  pump() {
    this.timer = null;
    const now = performance.now();
    while (this.busyUntil <= now + AHEAD_MS) {
      let sent = false;
      // Round-robin: one quantum from every flow with bytes waiting, in turn.
      for (const flow of this.flows) {
        if (flow.queued === 0) continue;
        const chunk = flow.take(this.quantum);
        this.busyUntil += chunk.length / this.bytesPerMs;
        this.carried += chunk.length;
        flow.deliverAt(chunk, this.busyUntil + this.delayMs);
        sent = true;
        if (this.busyUntil > now + AHEAD_MS) break;
      }
      if (!sent) return; // nothing waiting: the next bytes read kick the transmitter again
    }
    this.timer = setTimeout(() => this.pump(), this.busyUntil - AHEAD_MS - now);
  }
}

/// One direction of one connection: bytes read from `from`, carried by `dir`, written to `to`.
class Flow {
  constructor(dir, from, to, startAfterMs) {
    this.dir = dir;
    this.from = from;
    this.to = to;
    this.queue = []; // Buffers read, not yet sent by the transmitter
    this.queued = 0;
    this.inFlight = 0; // read and not yet acknowledged (the window)
    this.deliveries = []; // [{chunk, at}] sent, travelling
    this.timer = null;
    this.ended = false;
    this.paused = false;
    dir.flows.add(this);
    from.pause();
    setTimeout(() => this.resume(), startAfterMs);
    from.on("data", (buf) => this.onData(buf));
    from.on("end", () => {
      this.ended = true;
      this.maybeEnd();
    });
  }

  onData(buf) {
    this.queue.push(buf);
    this.queued += buf.length;
    this.inFlight += buf.length;
    if (this.inFlight >= WINDOW) {
      this.paused = true;
      this.from.pause();
    }
    this.dir.kick();
  }

  resume() {
    this.paused = false;
    if (!this.from.destroyed) this.from.resume();
  }

  take(n) {
    const head = this.queue[0];
    let chunk;
    if (head.length <= n) {
      chunk = this.queue.shift();
    } else {
      chunk = head.subarray(0, n);
      this.queue[0] = head.subarray(n);
    }
    this.queued -= chunk.length;
    return chunk;
  }

  deliverAt(chunk, at) {
    this.deliveries.push({ chunk, at });
    if (!this.timer) this.arm();
  }

  arm() {
    const head = this.deliveries[0];
    this.timer = setTimeout(() => this.deliver(), Math.max(0, head.at - performance.now()));
  }

  deliver() {
    this.timer = null;
    const now = performance.now();
    let bytes = 0;
    // Every quantum due now in one write (cork), not one syscall each.
    this.to.cork();
    while (this.deliveries.length && this.deliveries[0].at <= now + 0.5) {
      const { chunk } = this.deliveries.shift();
      bytes += chunk.length;
      if (!this.to.destroyed) this.to.write(chunk);
    }
    this.to.uncork();
    // The acknowledgement travels back: the window opens RTT/2 after delivery.
    setTimeout(() => {
      this.inFlight -= bytes;
      if (this.paused && this.inFlight < WINDOW) this.resume();
    }, this.dir.delayMs);
    if (this.deliveries.length) this.arm();
    this.maybeEnd();
  }

  maybeEnd() {
    if (this.ended && this.queued === 0 && this.deliveries.length === 0) {
      this.dir.flows.delete(this);
      if (!this.to.destroyed) this.to.end();
    }
  }

  close() {
    this.dir.flows.delete(this);
    clearTimeout(this.timer);
    this.deliveries = [];
    this.queue = [];
    this.queued = 0;
  }
}

/// Starts a link of `upMbit` (browser → server) and `downMbit`, `rttMs` round trip, in front of
/// `target` (http://127.0.0.1:<port>). Resolves to { url, stats(), closeConnections(), stop() }.
export async function startLink({ target, upMbit, downMbit, rttMs }) {
  const t = new URL(target);
  if (t.hostname !== "127.0.0.1") throw new Error(`the link emulator only forwards to 127.0.0.1, not ${t.hostname}`);
  const up = new Direction(upMbit, rttMs / 2);
  const down = new Direction(downMbit, rttMs / 2);
  const conns = new Set();
  let accepted = 0;
  // Half-open allowed: a side's end is passed on once the bytes before it have been delivered.
  const srv = net.createServer({ allowHalfOpen: true }, (client) => {
    accepted += 1;
    const server = net.connect({ host: "127.0.0.1", port: Number(t.port), allowHalfOpen: true });
    client.setNoDelay(true);
    server.setNoDelay(true);
    const upFlow = new Flow(up, client, server, rttMs);
    const downFlow = new Flow(down, server, client, 0);
    const conn = { client, server };
    conns.add(conn);
    const close = () => {
      if (!conns.delete(conn)) return;
      upFlow.close();
      downFlow.close();
      client.destroy();
      server.destroy();
    };
    for (const [s, flow] of [
      [client, upFlow],
      [server, downFlow],
    ]) {
      s.on("error", close);
      // Closed without an end (reset, destroyed): the other side goes too. After an end, the
      // other side is closed once it has ended as well.
      s.on("close", () => (!flow.ended || (client.destroyed && server.destroyed) ? close() : undefined));
    }
  });
  await new Promise((resolve) => srv.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${srv.address().port}`,
    stats: () => ({ upBytes: up.carried, downBytes: down.carried, connections: accepted }),
    /// Drops every connection, so the next upload starts cold (the browser reconnects).
    closeConnections() {
      for (const c of [...conns]) {
        c.client.destroy();
        c.server.destroy();
      }
    },
    async stop() {
      this.closeConnections();
      await new Promise((resolve) => srv.close(resolve));
    },
  };
}
