#!/usr/bin/python3
"""Many EventSource subscribers at once, for it_app_push.sh: each is a raw
HTTP/1.1 connection (asyncio streams) asking GET PATH with
"Accept: text/event-stream", as a browser's EventSource does.

    it_app_sse.py HOST PORT PATH COUNT TOKEN SECONDS

Opens COUNT subscribers (at most 50 handshakes at a time, so nginx's
listen queue never overflows), each of which must answer 200 with
Content-Type text/event-stream. Then prints "subscribed N" (flushed: the
shell test waits for that line) and waits up to SECONDS for every
subscriber to receive an event whose data contains TOKEN. Prints
"received N", and exits 0 only when all COUNT subscribed and received.
Lines starting with "error" say what went wrong for the first few.
"""
import asyncio
import sys

HANDSHAKES_AT_ONCE = 50
ERRORS_SHOWN = 5


class Subscriber:
    def __init__(self, host, port, path):
        self.host, self.port, self.path = host, port, path
        self.reader = self.writer = None

    async def subscribe(self):
        """Connect and read the answer's head. Returns None when it is a
        200 event stream, else what is wrong."""
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        self.writer.write(("GET %s HTTP/1.1\r\nHost: %s:%d\r\nAccept: text/event-stream\r\n"
                           "Cache-Control: no-cache\r\n\r\n"
                           % (self.path, self.host, self.port)).encode())
        head = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1").lower()
        status = head.split("\r\n", 1)[0]
        if " 200 " not in status + " ":
            return "answer: " + status
        if "content-type: text/event-stream" not in head:
            return "not an event stream: " + head.replace("\r\n", " | ")
        return None

    async def receive(self, token):
        """Read events until one's data holds token. nginx sends the
        stream chunked; looking at lines is enough here."""
        while True:
            line = await self.reader.readline()
            if not line:
                raise ConnectionError("the stream ended")
            if line.startswith(b"data:") and token in line:
                return

    def close(self):
        if self.writer is not None:
            self.writer.close()


async def main():
    host, port, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    count, token, seconds = int(sys.argv[4]), sys.argv[5].encode(), float(sys.argv[6])
    subs = [Subscriber(host, port, path) for _ in range(count)]
    gate = asyncio.Semaphore(HANDSHAKES_AT_ONCE)
    errors = []

    async def subscribe(sub):
        async with gate:
            try:
                why = await asyncio.wait_for(sub.subscribe(), seconds)
            except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError) as e:
                why = "subscribe: %r" % e
            if why is not None:
                errors.append(why)
            return why is None

    ok = await asyncio.gather(*(subscribe(s) for s in subs))
    live = [s for s, good in zip(subs, ok) if good]
    print("subscribed %d" % len(live), flush=True)

    async def receive(sub):
        try:
            await sub.receive(token)
            return True
        except (OSError, ConnectionError, asyncio.IncompleteReadError) as e:
            errors.append("receive: %r" % e)
            return False

    tasks = [asyncio.ensure_future(receive(s)) for s in live]
    done, pending = await asyncio.wait(tasks, timeout=seconds) if tasks else (set(), set())
    received = sum(1 for t in done if t.result())
    for t in pending:
        t.cancel()
    print("received %d" % received, flush=True)
    for why in errors[:ERRORS_SHOWN]:
        print("error %s" % why)
    for s in subs:
        s.close()
    return 0 if len(live) == count and received == count else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
