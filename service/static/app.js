/* nqdoc web page: a little vanilla JS, no build step, no CDN.
   Document text is only ever inserted with textContent / text nodes, never innerHTML. */
"use strict";
const nqdoc = (() => {
  const $ = (id) => document.getElementById(id);

  function el(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v !== null && v !== undefined) e.setAttribute(k, v);
    }
    for (const k of kids) e.append(k instanceof Node ? k : document.createTextNode(String(k)));
    return e;
  }

  // Fold Vietnamese diacritics so that "muc tieu" highlights "mục tiêu".
  const fold = (s) => s.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/g, "d").replace(/Đ/g, "D").toLowerCase();
  const STOP = new Set(("va cua cac nhung la co cho trong voi de duoc theo tu den mot nay do thi ma khi ve nao gi sao " +
    "bao nhieu ai o tai hay hoac can phai se da dang").split(" "));

  function queryWords(q) {
    return new Set((q.match(/[\p{L}\p{N}]+/gu) || []).map(fold).filter((w) => w.length >= 2 && !STOP.has(w)));
  }

  // A quote as text nodes with the query's words in <mark>.
  function highlighted(text, words) {
    const frag = document.createDocumentFragment();
    let pos = 0;
    for (const m of text.matchAll(/[\p{L}\p{N}]+/gu)) {
      if (words.has(fold(m[0]))) {
        if (m.index > pos) frag.append(text.slice(pos, m.index));
        frag.append(el("mark", {}, m[0]));
        pos = m.index + m[0].length;
      }
    }
    if (pos < text.length) frag.append(text.slice(pos));
    return frag;
  }

  const provisionUrl = (pid, q) => "/provisions/" + encodeURI(pid).replace(/\?/g, "%3F").replace(/#/g, "%23") +
    (q ? "?q=" + encodeURIComponent(q) : "");

  function citationItem(c, i, q, words) {
    const page = c.page ? " · trang " + c.page : "";
    const chip = el("a", { class: "chip cite", href: provisionUrl(c.provision_id, q), "data-pid": c.provision_id,
      title: "Mở điều khoản trong văn bản" }, `[${i + 1}] ${c.provision_id}${page}`);
    const path = el("div", { class: "path" }, (c.heading_path || []).join(" › "));
    const quote = el("blockquote", {}, highlighted(c.quote || c.text || "", words));
    return el("li", { id: "cite-" + (i + 1) }, chip, path, quote);
  }

  // Answer text with citation markers — "[2]" or "[57-NQ/TW:III.2.a]" — linked to their citation.
  function answerNodes(text, citations) {
    const frag = document.createDocumentFragment();
    const byPid = new Map(citations.map((c, i) => [c.provision_id, i + 1]));
    let pos = 0;
    for (const m of text.matchAll(/\[([^\[\]\n]{1,200})\]/g)) {
      const k = /^\d+$/.test(m[1]) ? Number(m[1]) : (byPid.get(m[1]) || 0);
      if (k < 1 || k > citations.length) continue;
      frag.append(text.slice(pos, m.index));
      frag.append(el("a", { href: "#cite-" + k, class: "ref" }, m[0]));
      pos = m.index + m[0].length;
    }
    frag.append(text.slice(pos));
    return frag;
  }

  function filters(form) {
    const f = {};
    const r = form.elements.resolution.value, k = form.elements.kind.value;
    if (r) f.resolution = [r];
    if (k) f.kind = [k];
    return f;
  }

  async function call(url, opts) {
    const resp = await fetch(url, opts);
    let body = null;
    try { body = await resp.json(); } catch (e) { body = null; }
    if (!resp.ok) {
      const err = body && body.error ? body.error : null;
      throw new Error(err ? err.message_vi : "Lỗi máy chủ (" + resp.status + ")");
    }
    return body;
  }

  async function submitAsk(ev) {
    ev.preventDefault();
    const form = ev.target, q = form.elements.q.value.trim();
    if (!q) return;
    const mode = form.elements.mode.value, f = filters(form), btn = $("ask-btn"), status = $("status");
    btn.disabled = true;
    status.className = "status";
    status.textContent = mode === "ask" ? "Đang tìm câu trả lời…" : "Đang tìm điều khoản…";
    $("answer").hidden = true; $("results").hidden = true;
    try {
      let citations;
      if (mode === "ask") {
        const a = await call("/api/ask", { method: "POST", headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ question: q, filters: Object.keys(f).length ? f : null }) });
        citations = a.citations || [];
        $("answer-text").replaceChildren(answerNodes(a.answer || "", citations));
        const g = $("grounded");
        g.className = "badge " + (a.grounded ? "ok" : "warn");
        g.textContent = a.grounded ? "Có căn cứ trong văn bản" : "Chưa tìm thấy căn cứ chắc chắn — hãy đọc các trích dẫn";
        $("answer").hidden = false;
        $("results-title").textContent = "Căn cứ trích dẫn";
      } else {
        const p = new URLSearchParams({ q, top_k: "10" });
        for (const [k, v] of Object.entries(f)) v.forEach((x) => p.append(k, x));
        const r = await call("/api/search?" + p.toString());
        citations = r.hits;
        $("results-title").textContent = "Điều khoản tìm thấy";
      }
      const words = queryWords(q);
      $("citations").replaceChildren(...citations.map((c, i) => citationItem(c, i, q, words)));
      $("results").hidden = citations.length === 0;
      status.textContent = citations.length ? "" : "Không tìm thấy điều khoản phù hợp.";
    } catch (e) {
      status.className = "status error";
      status.textContent = e.message;
    } finally {
      btn.disabled = false;
    }
  }

  function initAsk() {
    const form = $("ask-form");
    if (form) form.addEventListener("submit", submitAsk);
    const q = new URLSearchParams(location.search).get("q");
    if (form && q) { form.elements.q.value = q; form.requestSubmit(); }
  }

  function scrollOutline() {
    const cur = document.querySelector(".outline li.current");
    if (cur) cur.scrollIntoView({ block: "center" });
    window.scrollTo(0, 0);
  }

  return { initAsk, scrollOutline, highlighted, queryWords };
})();
