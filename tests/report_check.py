#!/usr/bin/env python3
"""report_check.py REPORT_HTML SCREENSHOT_PNG - opens the class report in
headless Chromium (DevTools protocol over --remote-debugging-pipe, no extra
packages), takes a screenshot and checks: the page loads, the charts have
bars, no console or page errors, no script element at all (the report has
none, so any script was injected). Prints what it found; exit 1 on a problem."""
import base64, json, os, shutil, subprocess, sys, tempfile, time

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--remote-debugging-pipe", "about:blank"]


class Browser:
    def __init__(self):
        self.profile = tempfile.mkdtemp(prefix="report-check-")
        to_child_r, self.to_child = os.pipe()
        self.from_child, from_child_w = os.pipe()

        def fds():  # the browser reads commands on fd 3, writes replies on fd 4
            r, w = os.dup(to_child_r), os.dup(from_child_w)  # never dup2(3, 3)
            os.dup2(r, 3)
            os.dup2(w, 4)
            os.set_inheritable(3, True)
            os.set_inheritable(4, True)

        self.proc = subprocess.Popen([CHROMIUM, f"--user-data-dir={self.profile}"] + FLAGS,
                                     preexec_fn=fds, close_fds=False,
                                     stdout=subprocess.DEVNULL, stderr=open(os.environ.get("CHROMIUM_LOG", os.devnull), "w"))
        os.close(to_child_r)
        os.close(from_child_w)
        self.buf, self.next_id, self.events = b"", 0, []

    def send(self, method, params=None, session=None, timeout=30):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.to_child, json.dumps(msg).encode() + b"\0")
        deadline = time.time() + timeout
        while time.time() < deadline:
            m = self.read()
            if m.get("id") == self.next_id:
                if "error" in m:
                    raise RuntimeError(f"{method}: {m['error']}")
                return m.get("result", {})
            self.events.append(m)
        raise TimeoutError(method)

    def read(self):
        while b"\0" not in self.buf:
            chunk = os.read(self.from_child, 1 << 16)
            if not chunk:
                raise RuntimeError("chromium closed the pipe")
            self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def wait_event(self, name, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            for e in self.events:
                if e.get("method") == name:
                    return e
            self.events.append(self.read())
        raise TimeoutError(name)

    def close(self):
        self.proc.kill()
        self.proc.wait()
        shutil.rmtree(self.profile, ignore_errors=True)


def main():
    html, png = os.path.abspath(sys.argv[1]), sys.argv[2]
    b = Browser()
    try:
        target = b.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        s = b.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for m in ("Page.enable", "Runtime.enable", "Log.enable"):
            b.send(m, session=s)
        b.send("Emulation.setDeviceMetricsOverride",
               {"width": 1200, "height": 1600, "deviceScaleFactor": 1, "mobile": False}, session=s)
        b.send("Page.navigate", {"url": "file://" + html}, session=s)
        b.wait_event("Page.loadEventFired")
        time.sleep(0.5)

        def js(expr):
            r = b.send("Runtime.evaluate", {"expression": expr, "returnByValue": True}, session=s)
            return r["result"].get("value")

        facts = {
            "title": js("document.title"),
            "bars": js("[...document.querySelectorAll('rect.bar')].filter(r => r.getBBox().height > 0).length"),
            "charts": js("document.querySelectorAll('svg.hist').length"),
            "scripts": js("document.querySelectorAll('script').length"),
            "lessons": js("document.querySelectorAll('section.lesson').length"),
            "students_rows": js("document.querySelectorAll('table.students tr').length - 1"),
            "pwned": js("typeof window.__pwned !== 'undefined'"),
            "text": js("document.body.innerText.length"),
        }
        shot = b.send("Page.captureScreenshot", {"format": "png"}, session=s)
        data = base64.b64decode(shot["data"])
        with open(png, "wb") as f:
            f.write(data)
        facts["screenshot_bytes"] = len(data)
        errors = []
        for e in b.events:
            m, p = e.get("method"), e.get("params", {})
            if m == "Runtime.exceptionThrown":
                errors.append(p["exceptionDetails"].get("text", "exception"))
            elif m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                errors.append(str(p.get("args")))
            elif m == "Log.entryAdded" and p["entry"].get("level") == "error":
                errors.append(p["entry"].get("text"))
        facts["errors"] = errors
    finally:
        b.close()
    print(json.dumps(facts))
    problems = []
    if facts["title"] != "Class report": problems.append("title %r" % facts["title"])
    if not facts["bars"]: problems.append("no chart bars")
    if facts["scripts"] or facts["pwned"]: problems.append("script in the page")
    if errors: problems.append("console errors: %s" % errors)
    if facts["screenshot_bytes"] < 20000: problems.append("screenshot looks empty")
    if problems:
        print("; ".join(problems), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
