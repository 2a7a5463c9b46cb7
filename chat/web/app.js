/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * p2pchat's web page.  Everything shown is folded from the events that
 * p2pchat --batch prints (p2pchat(1)), read from the event stream
 * /events: those of the past first, then each as it happens.  Actions
 * are POSTs whose body is plain text: /send (a line), /room (a code to
 * join, empty to create), /quit.  Peer text is only ever set as text.
 */
"use strict";

(function () {
	var SVG = "http://www.w3.org/2000/svg";
	var MSG_MAX = 65536;	/* bytes of a message */
	var st = {
		t0: Date.now(),		/* wall time of "ms" 0 */
		ready: false,		/* the past is replayed */
		room: null,		/* the room event */
		self: null,		/* the registered event */
		relay: null,		/* the relay event */
		serverDown: false,	/* the rendezvous server unreachable */
		peers: new Map(),	/* peer_id: {name, state, path} */
		lines: new Map(),	/* our line number: its marks */
		left: false,		/* bye */
		ended: false,		/* p2pchat stopped */
		quitting: false
	};

	function $(id) { return document.getElementById(id); }

	function el(tag, cls, text) {
		var e = document.createElement(tag);
		if (cls)
			e.className = cls;
		if (text !== undefined && text !== null)
			e.textContent = String(text);
		return e;
	}

	function svg(tag, attrs, text) {
		var e = document.createElementNS(SVG, tag);
		Object.keys(attrs).forEach(function (k) {
			e.setAttribute(k, attrs[k]);
		});
		if (text !== undefined)
			e.textContent = text;
		return e;
	}

	function clock(ms) {
		var d = new Date(st.t0 + ms);
		return d.toTimeString().slice(0, 8);
	}

	function atBottom() {
		var m = $("messages");
		return m.scrollHeight - m.scrollTop - m.clientHeight < 40;
	}

	function append(li, ms) {
		var m = $("messages"), stick = atBottom();
		li.insertBefore(el("span", "time", clock(ms)), li.firstChild);
		m.appendChild(li);
		if (stick)
			m.scrollTop = m.scrollHeight;
	}

	function note(text, ms, warn) {
		append(el("li", warn ? "note warn" : "note", text), ms);
	}

	function peerName(id, fallback) {
		var p = st.peers.get(id);
		return p ? p.name : fallback || "#" + id;
	}

	function status() {
		var s;
		if (st.ended)
			s = "p2pchat has stopped" + (st.endReason ?
			    ": " + st.endReason : "");
		else if (st.left)
			s = "you left the room";
		else if (!st.room)
			s = st.ready ? "not in a room yet" :
			    "connecting to p2pchat\u2026";
		else if (!st.self)
			s = "connecting to the rendezvous server " +
			    (st.room.server || "") + "\u2026";
		else if (st.quitting)
			s = "leaving: waiting for messages to be " +
			    "delivered\u2026";
		else {
			var n = 0;
			st.peers.forEach(function (p) {
				if (p.state === "up")
					n++;
			});
			s = st.room.name + ", " + (n === 0 ?
			    "nobody else here yet: share the code" :
			    n + (n === 1 ? " other person" : " other people") +
			    " connected");
			if (st.serverDown)
				s += "; server unreachable, retrying";
		}
		$("status").textContent = s;
		$("enter").hidden = !st.ready || !!st.room || st.ended;
		$("chat").hidden = !st.room;
		$("room").hidden = !st.room;
		$("quit").hidden = !st.room || st.left || st.ended;
		$("text").disabled = $("send").disabled =
		    st.left || st.ended || st.quitting;
		document.title = st.room ? "p2pchat \u2014 " + st.room.name :
		    "p2pchat";
	}

	/* The people in the room, us first. */
	function members() {
		var ul = $("members"), li;
		ul.textContent = "";
		if (st.room) {
			li = el("li", "self");
			li.appendChild(el("span", "name", st.room.name));
			li.appendChild(el("span", "state", st.self ?
			    "you, #" + st.self.member : "you"));
			ul.appendChild(li);
		}
		st.peers.forEach(function (p, id) {
			if (p.state === "left")
				return;
			li = el("li");
			li.dataset.peerId = id;
			li.dataset.state = p.state;
			li.appendChild(el("span", "name", p.name));
			li.appendChild(el("span", "state " + p.state, {
				member: "connecting\u2026",
				up: "connected",
				failed: "no path: " + (p.reason || "failed")
			}[p.state] + (p.path && p.state === "up" ? ", " +
			    p.path.kind + (p.path.transport ? "/" +
			    p.path.transport : "") + " " + p.path.rtt + " ms" :
			    "")));
			ul.appendChild(li);
		});
	}

	function node(title, text, cls) {
		var d = el("div", "node" + (cls ? " " + cls : ""));
		d.appendChild(el("span", "label", title));
		d.appendChild(el("code", null, text));
		return d;
	}

	function arrow(box) {
		box.appendChild(el("div", "arrow", "\u2193"));
	}

	/*
	 * Us, top down: this computer's address, the NAT (or none), the
	 * address the rendezvous server saw, the server; our relayed address
	 * when there is one.
	 */
	function selfPath() {
		var box = $("self-path"), s = st.self, nat, p;
		box.textContent = "";
		if (!s)
			return;
		nat = s.nat === true ? "yes" : s.nat === false ? "no" :
		    "unknown";
		box.appendChild(node("this computer", s.local_addr || "?"));
		arrow(box);
		box.appendChild(node("NAT", nat === "yes" ? "behind NAT" :
		    nat === "no" ? "no NAT" : "unknown", "nat-" + nat));
		arrow(box);
		box.appendChild(node("the server sees", s.mapped || "?"));
		arrow(box);
		box.appendChild(node("rendezvous server",
		    st.room.server || "?"));
		if (st.relay && !st.relay.reason)
			box.appendChild(node("our relayed address",
			    st.relay.addr + " (TURN " + st.relay.server + ")",
			    "relayed"));
		p = el("p", null, {
			yes: "Behind NAT: the server sees another address " +
			    "than this computer's own.",
			no: "No NAT: the server sees this computer's own " +
			    "address.",
			unknown: "NAT unknown: relay only, no local address " +
			    "was sent."
		}[nat]);
		p.id = "nat";
		p.dataset.nat = nat;
		box.appendChild(p);
	}

	/* One peer: you -- (direct | relay) -- them, with the RTT. */
	function peerPath(id, p) {
		var fig = el("figure", "path"), s, kind, top, bottom;
		kind = p.state === "failed" ? "failed" :
		    p.path ? p.path.kind : "none";
		fig.dataset.peerId = id;
		fig.dataset.kind = kind;
		if (kind === "direct") {
			top = "direct \u00b7 " + p.path.rtt + " ms";
			bottom = p.path.local + " \u2192 " + p.path.remote +
			    "  " + (p.path.peer_addr || p.path.addr || "");
		} else if (kind === "relay") {
			top = "relayed \u00b7 " + p.path.rtt + " ms";
			bottom = "through " + (p.path.addr || "?");
		} else if (kind === "failed") {
			top = "no path";
			bottom = p.reason || "";
		} else {
			top = "looking for a path\u2026";
			bottom = "";
		}
		s = svg("svg", { viewBox: "0 0 300 74", role: "img",
		    "aria-label": "path to " + p.name + ": " + top });
		if (kind === "relay") {
			s.appendChild(svg("path", { "class": "link relay",
			    d: "M40 34 L128 34 M172 34 L260 34" }));
			s.appendChild(svg("rect", { "class": "turn", x: 128,
			    y: 22, width: 44, height: 24, rx: 4 }));
			s.appendChild(svg("text", { x: 150, y: 38,
			    "text-anchor": "middle" }, "TURN"));
		} else {
			s.appendChild(svg("path", { "class": "link " + kind,
			    d: "M40 34 L260 34" }));
		}
		s.appendChild(svg("circle", { "class": "end", cx: 26, cy: 34,
		    r: 13 }));
		s.appendChild(svg("circle", { "class": "end", cx: 274, cy: 34,
		    r: 13 }));
		s.appendChild(svg("text", { x: 26, y: 64,
		    "text-anchor": "middle" }, "you"));
		s.appendChild(svg("text", { x: 274, y: 64,
		    "text-anchor": "middle" }, p.name.slice(0, 16)));
		s.appendChild(svg("text", { "class": "rtt", x: 150,
		    y: kind === "relay" ? 14 : 26, "text-anchor": "middle" },
		    top));
		s.appendChild(svg("text", { "class": "small", x: 150, y: 62,
		    "text-anchor": "middle" }, bottom));
		fig.appendChild(s);
		return fig;
	}

	function paths() {
		var box = $("peer-paths");
		selfPath();
		box.textContent = "";
		st.peers.forEach(function (p, id) {
			if (p.state !== "left")
				box.appendChild(peerPath(id, p));
		});
	}

	function redraw() {
		status();
		members();
		paths();
	}

	/* The marks under a line of ours: delivered or not, per peer. */
	function marks(line) {
		var l = st.lines.get(line), box;
		if (!l)
			return;
		box = l.li.querySelector(".marks");
		box.textContent = "";
		if (l.marks.size === 0) {
			box.appendChild(el("span", "mark wait", l.waiting));
			return;
		}
		l.marks.forEach(function (m) {
			var s = el("span", "mark " + (m.ok ? "ok" : "no"),
			    (m.ok ? "\u2713 " : "\u2717 ") + m.name);
			if (m.reason)
				s.title = m.reason;
			box.appendChild(s);
		});
	}

	function mark(e, ok) {
		var l = st.lines.get(e.line), key;
		if (!l)
			return false;
		key = e.to === null ? "nobody" : String(e.peer_id);
		l.marks.set(key, { ok: ok, reason: e.reason,
		    name: e.to === null ? "not sent: " + e.reason : e.to });
		marks(e.line);
		return true;
	}

	/*
	 * File transfers are not there yet.  When they are, their progress
	 * events call transfer(): one bar per transfer id.
	 */
	function transfer(t) {
		var list = $("transfer-list"), li, bar;
		li = list.querySelector("[data-id=\"" + CSS.escape(t.id) +
		    "\"]");
		if (!li) {
			li = el("li");
			li.dataset.id = t.id;
			li.appendChild(el("span", null, t.name));
			li.appendChild(el("progress"));
			list.appendChild(li);
		}
		bar = li.querySelector("progress");
		bar.max = t.size;
		bar.value = t.done;
		$("transfers").hidden = false;
	}

	var on = {
		room: function (e) {
			st.room = e;
			$("code").textContent = e.code;
			note(e.created ? "room created: share its code " +
			    e.code : "joining room " + e.code, e.ms);
		},
		registered: function (e) {
			st.self = e;
			note("the rendezvous server registered us as #" +
			    e.member + " (it sees " + e.mapped + ")", e.ms);
		},
		relay: function (e) {
			st.relay = e;
			if (e.reason)
				note("relay: " + e.reason, e.ms, true);
		},
		server: function (e) {
			st.serverDown = e.state === "unreachable";
			note(st.serverDown ? "the rendezvous server is " +
			    "unreachable: the chat goes on with the peers " +
			    "you have, newcomers wait (retrying)" :
			    "the rendezvous server is back", e.ms,
			    st.serverDown);
		},
		member: function (e) {
			st.peers.set(e.peer_id, { name: e.peer,
			    state: "member", path: null });
			note(e.peer + " is in the room; connecting\u2026",
			    e.ms);
		},
		path: function (e) {
			var p = st.peers.get(e.peer_id);
			if (!p) {
				p = { name: e.peer, state: "member" };
				st.peers.set(e.peer_id, p);
			}
			p.path = e;
			note("path to " + e.peer + ": " + e.kind + " " +
			    (e.addr || "") + " (" + e.local + " \u2192 " +
			    e.remote + ", " + e.rtt + " ms)", e.ms);
		},
		joined: function (e) {
			var p = st.peers.get(e.peer_id);
			if (!p) {
				p = { name: e.peer, path: null };
				st.peers.set(e.peer_id, p);
			}
			p.state = "up";
			note(e.peer + " joined (end-to-end encrypted)", e.ms);
		},
		message: function (e) {
			var li = el("li", "msg peer");
			li.appendChild(el("span", "from", e.from));
			li.appendChild(el("span", "text", e.text));
			li.dataset.peerId = e.peer_id;
			append(li, e.ms);
		},
		sent: function (e) {
			var li = el("li", "msg self"), live = 0;
			st.peers.forEach(function (p) {
				if (p.state === "up" || p.state === "member")
					live++;
			});
			li.dataset.line = e.line;
			li.appendChild(el("span", "from", "you"));
			li.appendChild(el("span", "text", e.text));
			li.appendChild(el("span", "marks"));
			st.lines.set(e.line, { li: li, marks: new Map(),
			    waiting: live ? "sending\u2026" :
			    "waiting for someone to join\u2026" });
			append(li, e.ms);
			marks(e.line);
		},
		delivered: function (e) {
			mark(e, true);
		},
		undelivered: function (e) {
			if (!mark(e, false))
				note("a message " + (e.to ? "to " + e.to +
				    " " : "") + "was not delivered (" +
				    e.reason + ")", e.ms, true);
		},
		left: function (e) {
			var p = st.peers.get(e.peer_id);
			if (p)
				p.state = "left";
			note(e.peer + " left (" + (e.reason || "left") + ")",
			    e.ms);
		},
		failed: function (e) {
			var p = st.peers.get(e.peer_id);
			if (p) {
				p.state = "failed";
				p.reason = e.reason;
			}
			note("cannot reach " + e.peer + " (" +
			    (e.reason || "failed") + ")", e.ms, true);
		},
		error: function (e) {
			note(e.reason || "error", e.ms, true);
		},
		bye: function (e) {
			st.left = true;
			note("you left the room", e.ms);
		}
	};

	function onEvent(msg) {
		var e;
		try {
			e = JSON.parse(msg.data);
		} catch (x) {
			return;
		}
		/* Events this page does not know yet are skipped. */
		if (Object.prototype.hasOwnProperty.call(on, e.event))
			on[e.event](e);
		redraw();
	}

	function connect() {
		var es = new EventSource("/events");
		es.onmessage = onEvent;
		es.addEventListener("hello", function (m) {
			st.t0 = Date.now() - JSON.parse(m.data).ms;
		});
		es.addEventListener("ready", function () {
			st.ready = true;
			redraw();
		});
		es.addEventListener("end", function (m) {
			var e = {};
			try {
				e = JSON.parse(m.data);
			} catch (x) {
				/* no reason given */
			}
			es.close();
			st.ended = true;
			st.endReason = e.reason;
			redraw();
		});
		es.onerror = function () {
			/* After leaving, p2pchat ends: no reconnecting. */
			if (st.left && !st.ended) {
				es.close();
				st.ended = true;
				redraw();
			} else if (!st.ended)
				$("status").textContent =
				    "lost contact with p2pchat; retrying\u2026";
		};
	}

	function post(path, body) {
		return fetch(path, { method: "POST", body: body,
		    headers: { "Content-Type": "text/plain;charset=UTF-8" },
		    credentials: "same-origin", cache: "no-store" }).then(
		    function (r) {
			var why = r.status + " " + r.statusText;
			if (r.ok)
				return null;
			/* p2pchat says why in plain text; libevent in HTML. */
			if (!/^text\/plain/.test(r.headers.get("Content-Type")))
				return why;
			return r.text().then(function (t) {
				return t.trim() || why;
			});
		    }, function () {
			return "p2pchat does not answer";
		    });
	}

	function enter(code) {
		$("enter-error").textContent = "";
		$("create").disabled = $("join").disabled = true;
		post("/room", code).then(function (err) {
			$("create").disabled = $("join").disabled = false;
			if (err)
				$("enter-error").textContent = err;
		});
	}

	function start() {
		$("create").addEventListener("click", function () {
			enter("");
		});
		$("join-form").addEventListener("submit", function (ev) {
			var code = $("join-code").value.trim();
			ev.preventDefault();
			if (code === "")
				$("enter-error").textContent =
				    "type the code you were sent";
			else
				enter(code);
		});
		$("send-form").addEventListener("submit", function (ev) {
			var t = $("text").value;
			ev.preventDefault();
			if (t === "")
				return;
			if (new TextEncoder().encode(t).length > MSG_MAX) {
				$("send-error").textContent = "too long: " +
				    "a message holds at most " + MSG_MAX +
				    " bytes";
				return;
			}
			$("send-error").textContent = "";
			post("/send", t).then(function (err) {
				/* Not sent: the text stays to send again. */
				if (err)
					$("send-error").textContent = err;
				else if ($("text").value === t)
					$("text").value = "";
			});
		});
		$("quit").addEventListener("click", function () {
			st.quitting = true;
			$("quit").textContent = "Leave now";
			post("/quit", "");
			redraw();
		});
		$("copy").addEventListener("click", function () {
			if (navigator.clipboard && st.room)
				navigator.clipboard.writeText(st.room.code);
		});
		connect();
		redraw();
	}

	/* For the file transfers to come (see transfer()). */
	window.p2pchatTransfer = transfer;
	document.addEventListener("DOMContentLoaded", start);
}());
