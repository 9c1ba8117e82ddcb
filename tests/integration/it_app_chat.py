#!/usr/bin/python3
"""Drives the chat page (app/static/chat.html) in Debian's headless Chromium
for it_app_chat.sh, over the DevTools protocol on a pipe
(--remote-debugging-pipe: commands on fd 3, answers on fd 4, each a JSON
text ended by a NUL byte).

    it_app_chat.py BASE_URL CHANNEL USER POSTER PROFILE_DIR

Opens BASE_URL/static/chat.html?channel=CHANNEL&user=USER, waits until the
page is live (its EventSource open), then publishes a message over HTTP as
POSTER (POST /messages/CHANNEL, as any other client would) and waits for it
to appear in the page; then sends one through the page's own form. Prints
what it saw as "key<TAB>value" lines for the shell test to judge; exits 1
(with the reason on stderr) when a step times out.
"""
import fcntl
import json
import os
import subprocess
import sys
import time
import urllib.parse
import urllib.request

STEP_SECONDS = 30
# The texts carry this run's token: only a message of this run counts.
TOKEN = "%d.%d" % (os.getpid(), time.time_ns())
PUSHED = 'pushed <b>bold?</b> & "quoted" \u2713 ' + TOKEN
TYPED = "typed into the page " + TOKEN


class Browser:
    """One headless Chromium and one page in it."""

    def __init__(self, profile):
        to_chrome_r, self.to_chrome = os.pipe()
        self.from_chrome, from_chrome_w = os.pipe()
        # Chromium reads fd 3 and writes fd 4. bash puts the pipe ends
        # there, from numbers above both so that no redirection undoes
        # another.
        child_r = fcntl.fcntl(to_chrome_r, fcntl.F_DUPFD_CLOEXEC, 10)
        child_w = fcntl.fcntl(from_chrome_w, fcntl.F_DUPFD_CLOEXEC, 10)
        for fd in (to_chrome_r, from_chrome_w):
            os.close(fd)
        redirect = 'exec "$@" 3<&%d 4>&%d %d<&- %d>&-' % (child_r, child_w, child_r, child_w)
        self.proc = subprocess.Popen(
            ["bash", "-c", redirect, "bash", "chromium", "--headless", "--no-sandbox",
             "--disable-gpu", "--disable-background-networking", "--no-first-run",
             "--remote-debugging-pipe", "--user-data-dir=" + profile, "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            pass_fds=(child_r, child_w))
        os.close(child_r)
        os.close(child_w)
        self.buf = b""
        self.next_id = 0
        self.session = None

    def call(self, method, params=None, session=True):
        """Send one command; return its result (events in between are
        dropped)."""
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session and self.session:
            msg["sessionId"] = self.session
        os.write(self.to_chrome, json.dumps(msg).encode() + b"\0")
        while True:
            while b"\0" not in self.buf:
                chunk = os.read(self.from_chrome, 65536)
                if not chunk:
                    raise RuntimeError("chromium closed the pipe")
                self.buf += chunk
            text, self.buf = self.buf.split(b"\0", 1)
            reply = json.loads(text)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError("%s: %s" % (method, reply["error"]))
                return reply["result"]

    def open(self, url):
        target = self.call("Target.createTarget", {"url": url}, session=False)
        self.session = self.call("Target.attachToTarget",
                                 {"targetId": target["targetId"], "flatten": True},
                                 session=False)["sessionId"]

    def eval(self, expr):
        result = self.call("Runtime.evaluate", {"expression": expr, "returnByValue": True})
        return result["result"].get("value")

    def wait_for(self, expr, what):
        """Poll expr until it is truthy; return its value."""
        end = time.monotonic() + STEP_SECONDS
        while time.monotonic() < end:
            value = self.eval(expr)
            if value:
                return value
            time.sleep(0.1)
        sys.exit("it_app_chat.py: no %s within %d s (status: %r)"
                 % (what, STEP_SECONDS, self.eval("document.getElementById('status').textContent")))

    def close(self):
        try:
            self.call("Browser.close", session=False)
        except (RuntimeError, OSError):
            pass
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def item_with(text):
    """JS: the list item whose text contains text, as [textContent,
    innerHTML], or null."""
    return ("(() => { for (const li of document.querySelectorAll('#messages li'))"
            " if (li.textContent.includes(%s)) return [li.textContent, li.innerHTML];"
            " return null; })()" % json.dumps(text))


def main():
    base, channel, user, poster, profile = sys.argv[1:6]
    quote = urllib.parse.quote
    page = "%s/static/chat.html?channel=%s&user=%s" % (base, quote(channel), quote(user))
    print("token\t%s" % TOKEN)
    browser = Browser(profile)
    try:
        browser.open(page)
        print("status\t%s" % browser.wait_for(
            "document.getElementById('status').textContent === 'live' && 'live'", "live stream"))
        history = browser.wait_for("document.querySelectorAll('#messages li').length",
                                   "history")
        print("history_items\t%d" % history)
        url = "%s/messages/%s?user=%s" % (base, quote(channel), quote(poster))
        with urllib.request.urlopen(urllib.request.Request(
                url, data=PUSHED.encode(), method="POST"), timeout=10) as r:
            print("publish_status\t%d" % r.status)
        text, inner = browser.wait_for(item_with(PUSHED), "pushed message")
        print("pushed_text\t%s" % text)
        print("pushed_html\t%s" % inner)
        print("bold_elements\t%d" % browser.eval("document.querySelectorAll('#messages b').length"))
        browser.eval("document.getElementById('text').value = %s;"
                     "document.getElementById('send').requestSubmit(); true" % json.dumps(TYPED))
        text, _ = browser.wait_for(item_with(TYPED), "message sent from the page")
        print("typed_text\t%s" % text)
        print("items\t%d" % browser.eval("document.querySelectorAll('#messages li').length"))
    finally:
        browser.close()


if __name__ == "__main__":
    main()
