#!/usr/bin/env python3
# Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
#
# p2pchat's web page in a real headless Chromium, driven through selenium
# (run by tests/chat_web.sh, which starts stund and two p2pchat --web on
# loopback).  Alice's page creates a room; Bob's joins by typing the code;
# lines go both ways and must show on the other page and come back
# marked delivered; both member lists and path pictures must show the
# other; markup sent as a message stays text.  A screenshot of each page
# is saved.  Prints "ok:"/"FAIL:" lines; exits 1 on any failure.

import argparse
import os
import re
import sys
import time

from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

FAILS = 0


def ok(msg):
    print("ok: " + msg, flush=True)


def fail(msg):
    global FAILS
    FAILS += 1
    print("FAIL: " + msg, flush=True)


def check(cond, msg):
    (ok if cond else fail)(msg)
    return cond


def browser(args, name):
    """A fresh headless Chromium with nothing that reaches the network."""
    o = webdriver.ChromeOptions()
    o.binary_location = args.chromium
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu",
              "--disable-background-networking",
              "--disable-component-update", "--disable-sync",
              "--no-first-run", "--disable-dev-shm-usage",
              "--disable-extensions", "--disable-default-apps",
              "--no-default-browser-check", "--disable-breakpad",
              "--window-size=1024,768", "--lang=en-US",
              "--user-data-dir=" + os.path.join(args.out, name + ".profile")):
        o.add_argument(a)
    svc = Service(executable_path=args.chromedriver,
                  log_path=os.path.join(args.out, name + ".chromedriver.log"))
    d = webdriver.Chrome(service=svc, options=o)
    d.set_page_load_timeout(args.timeout)
    d.set_script_timeout(args.timeout)
    return d


def wait(what, fn, timeout):
    """fn() until it is true (returned), or None after timeout seconds."""
    end = time.monotonic() + timeout
    while True:
        try:
            v = fn()
        except WebDriverException:
            v = None
        if v:
            return v
        if time.monotonic() > end:
            fail("timed out: " + what)
            return None
        time.sleep(0.1)


def visible(d, css):
    for e in d.find_elements(By.CSS_SELECTOR, css):
        if e.is_displayed():
            return e
    return None


def texts(d, css):
    return [e.text for e in d.find_elements(By.CSS_SELECTOR, css)]


def peer_message(d, sender, text):
    for li in d.find_elements(By.CSS_SELECTOR, "#messages li.msg.peer"):
        if (li.find_element(By.CSS_SELECTOR, ".from").text == sender and
                li.find_element(By.CSS_SELECTOR, ".text").text == text):
            return li
    return None


def own_line(d, text):
    for li in d.find_elements(By.CSS_SELECTOR, "#messages li.msg.self"):
        if li.find_element(By.CSS_SELECTOR, ".text").text == text:
            return li
    return None


def delivered_to(d, text, peer):
    li = own_line(d, text)
    if li is None:
        return None
    marks = texts(li, ".mark.ok")
    return li if ("\u2713 " + peer) in marks else None


def member_up(d, name):
    for li in d.find_elements(By.CSS_SELECTOR, "#members li[data-peer-id]"):
        if (li.find_element(By.CSS_SELECTOR, ".name").text == name and
                li.get_attribute("data-state") == "up"):
            return li
    return None


def send(d, text):
    box = d.find_element(By.ID, "text")
    box.send_keys(text)
    box.send_keys(Keys.ENTER)


def exchange(a, b, sender, receiver, text, timeout):
    """sender's page a sends text; b must show it, a the delivered mark."""
    send(a, text)
    if wait("%s's line on %s's page" % (sender, receiver),
            lambda: peer_message(b, sender, text), timeout):
        ok("%s's page shows %s's message %r" % (receiver, sender, text))
    if wait("the delivered mark for %s on %s's page" % (receiver, sender),
            lambda: delivered_to(a, text, receiver), timeout):
        ok("%s's page marks %r delivered to %s" % (sender, text, receiver))


def path_figure(d, peer_id):
    return d.find_element(
        By.CSS_SELECTOR, "#peer-paths figure.path[data-peer-id='%s']" %
        peer_id)


def check_paths(d, me, other, timeout):
    li = wait("%s in %s's member list" % (other, me),
              lambda: member_up(d, other), timeout)
    if li is None:
        return
    ok("%s's member list shows %s connected: %r" % (me, other, li.text))
    pid = li.get_attribute("data-peer-id")
    fig = wait("%s's path picture for %s" % (me, other),
               lambda: path_figure(d, pid), timeout)
    if fig is None:
        return
    kind = fig.get_attribute("data-kind")
    rtt = fig.find_element(By.CSS_SELECTOR, "text.rtt").text
    check(kind == "direct" and re.fullmatch(r"direct \u00b7 \d+ ms", rtt),
          "%s's path picture: %s to %s, %r" % (me, kind, other, rtt))
    check(fig.find_elements(By.CSS_SELECTOR, "path.link.direct"),
          "%s's picture draws a direct link to %s" % (me, other))
    nat = d.find_element(By.ID, "nat")
    # On loopback the server sees our own address: no NAT.
    check(nat.get_attribute("data-nat") == "no" and
          "no nat" in nat.text.lower(),
          "%s's picture says %r" % (me, nat.text))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--alice", required=True, help="alice's p2pchat URL")
    p.add_argument("--bob", required=True, help="bob's p2pchat URL")
    p.add_argument("--out", required=True, help="screenshots and logs")
    p.add_argument("--chromium", required=True)
    p.add_argument("--chromedriver", required=True)
    p.add_argument("--timeout", type=float, default=20)
    args = p.parse_args()
    t = args.timeout
    a = b = None
    try:
        a = browser(args, "alice")
        b = browser(args, "bob")
        ok("two headless Chromium pages")

        # Alice opens her URL: the token moves to a cookie no script reads.
        a.get(args.alice)
        check("token" not in a.current_url,
              "the token left the address bar: %s" % a.current_url)
        check(a.execute_script("return document.cookie;") == "",
              "the token cookie is HttpOnly")
        create = wait("the create button", lambda: visible(a, "#create"), t)
        if create is None:
            return
        create.click()
        code = wait("the room code on alice's page",
                    lambda: a.find_element(By.ID, "code").text, t)
        if not code:
            return
        ok("alice created room %s" % code)
        check(wait("alice's page registered",
                   lambda: "#" in (a.find_element(
                       By.CSS_SELECTOR, "#members li.self").text), t),
              "alice's member list shows her member id")

        # Bob types the code into his page.
        b.get(args.bob)
        box = wait("the join field", lambda: visible(b, "#join-code"), t)
        if box is None:
            return
        box.send_keys(code)
        b.find_element(By.ID, "join").click()
        if wait("bob in the room",
                lambda: b.find_element(By.ID, "code").text == code, t):
            ok("bob joined by the code typed in the page")

        check_paths(a, "alice", "bob", t)
        check_paths(b, "bob", "alice", t)

        exchange(a, b, "alice", "bob", "hello bob, this is alice", t)
        exchange(b, a, "bob", "alice",
                 "hi alice \u2014 gr\u00fc\u00dfe, \u00e7a va? \u2713", t)
        a.save_screenshot(os.path.join(args.out, "alice.png"))
        b.save_screenshot(os.path.join(args.out, "bob.png"))
        ok("screenshots saved in %s" % args.out)

        exchange(a, b, "alice", "bob", "<b>bold?</b><img src=x>", t)
        li = peer_message(b, "alice", "<b>bold?</b><img src=x>")
        check(li is not None and not li.find_elements(By.CSS_SELECTOR,
                                                      "img, b"),
              "markup from a peer is shown as text")
        for n in range(3):
            send(b, "line %d" % n)
        if wait("three lines in order on alice's page",
                lambda: [x for x in texts(a, "#messages li.msg.peer .text")
                         if x.startswith("line ")] ==
                ["line 0", "line 1", "line 2"], t):
            ok("three quick lines arrive in order")

        # A reload replays the events: the same conversation again.
        a.refresh()
        if wait("alice's conversation after a reload",
                lambda: own_line(a, "hello bob, this is alice") and
                delivered_to(a, "hello bob, this is alice", "bob") and
                peer_message(a, "bob", "line 2"), t):
            ok("a reload shows the conversation and marks again")

        # Alice leaves from her page; Bob's page sees her go.
        a.find_element(By.ID, "quit").click()
        if wait("alice's page: left",
                lambda: re.search(r"left the room|stopped",
                                  a.find_element(By.ID, "status").text), t):
            ok("alice's page says she left")
        if wait("bob's page: alice left",
                lambda: any("alice left" in x
                            for x in texts(b, "#messages li.note")), t):
            ok("bob's page says alice left")
    except WebDriverException as e:
        fail("webdriver: %s" % str(e).splitlines()[0])
    finally:
        for d in (a, b):
            if d is not None:
                try:
                    d.quit()
                except WebDriverException:
                    pass
    return


if __name__ == "__main__":
    main()
    sys.exit(1 if FAILS else 0)
