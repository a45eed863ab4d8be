/* breachdesk help page: answers as the person types, feedback without a reload, the FAQ filter
   and permalinks that open their entry. Optional: the page works without it. Markup comes from
   the <template> elements the server renders; text is only ever set with textContent. */
(() => {
  "use strict";

  const byId = (id) => document.getElementById(id);
  const slot = (root, name) => root.querySelector(`[data-slot="${name}"]`);
  const setText = (root, name, text) => {
    const el = slot(root, name);
    if (el) el.textContent = text == null ? "" : String(text);
    return el;
  };
  const clone = (id) => {
    const template = byId(id);
    return template ? template.content.firstElementChild.cloneNode(true) : null;
  };
  const jstNow = () =>
    new Intl.DateTimeFormat("ja-JP", {
      timeZone: "Asia/Tokyo", hour: "2-digit", minute: "2-digit", hourCycle: "h23",
    }).format(new Date());

  const form = byId("ask-form");
  const input = byId("q");
  const region = byId("answer");
  const feedbackUrl = form ? form.dataset.feedbackUrl : "/api/v1/questions/";

  // ---- Answers ------------------------------------------------------------------------------
  if (form && input && region && window.fetch && window.AbortController) {
    const askUrl = form.dataset.askUrl;
    const minChars = Number(form.dataset.minChars) || 6;
    const maxChars = input.maxLength > 0 ? input.maxLength : 1000;
    let timer = 0;
    let controller = null;
    let lastAsked = input.value.trim();

    const show = (node, focus) => {
      region.replaceChildren(node);
      if (focus) region.focus({ preventScroll: false });
    };

    const problem = (kind, focus) => {
      const node = clone("tpl-problem");
      setText(node, "message", node.dataset[kind] || node.dataset.failed);
      show(node, focus);
    };

    const fillMaybe = (node, candidates) => {
      const list = slot(node, "maybe");
      if (!list) return;
      for (const c of candidates || []) {
        if (!byId(`entry-${c.entry}`)) continue;
        const item = document.createElement("li");
        const link = document.createElement("a");
        link.href = `#entry-${c.entry}`;
        link.textContent = c.question;
        item.append(link);
        list.append(item);
      }
      slot(node, "maybe-box").hidden = list.children.length === 0;
    };

    const fillStatus = (node, contact) => {
      const status = slot(node, "status");
      if (!status) return;
      const open = contact ? contact.open_now : null;
      status.hidden = open !== true && open !== false;
      const label = setText(status, "status-label", open ? "現在受付中" : "受付時間外");
      label.classList.toggle("is-open", open === true);
      label.classList.toggle("is-closed", open === false);
      setText(status, "status-time", `${jstNow()} 現在（日本時間）`);
    };

    const render = (data, focus) => {
      const node = clone(data.answered ? "tpl-answered" : "tpl-abstained");
      if (data.answered) {
        setText(node, "matched", data.matched_question);
        setText(node, "text", data.answer);
        setText(node, "place", data.section || data.matched_question);
        setText(node, "source", data.source);
        slot(node, "link").href = `#entry-${data.entry}`;
      } else {
        fillStatus(node, data.contact);
      }
      setText(node, "asked", data.question);
      slot(node, "asked-line").hidden = false;
      fillMaybe(node, data.candidates);
      // An as-you-type answer is not logged (question_id null); feedback logs it first.
      slot(node, "qid").value = data.question_id == null ? "" : String(data.question_id);
      node.dataset.asked = data.question;
      slot(node, "entry").value = data.entry || "";
      show(node, focus);
    };

    const ask = async (question, focus) => {
      if (controller) controller.abort();
      const mine = new AbortController();
      controller = mine;
      lastAsked = question;
      if (question.length > maxChars) return problem("tooLong", focus);
      region.setAttribute("aria-busy", "true");
      try {
        const response = await fetch(askUrl, {
          method: "POST",
          headers: { "Content-Type": "application/json", Accept: "application/json" },
          body: JSON.stringify({ question, channel: "web", draft: !focus }),
          signal: mine.signal,
          credentials: "same-origin",
        });
        if (mine !== controller) return;
        if (response.status === 429) return problem("busy", focus);
        if (response.status === 413 || response.status === 422) return problem("tooLong", focus);
        if (!response.ok) return problem("failed", focus);
        const data = await response.json();
        if (mine === controller) render(data, focus);
      } catch (error) {
        if (error.name !== "AbortError" && mine === controller) {
          lastAsked = "";
          problem("failed", focus);
        }
      } finally {
        if (mine === controller) region.removeAttribute("aria-busy");
      }
    };

    const schedule = () => {
      clearTimeout(timer);
      const question = input.value.trim();
      if (!question) {
        if (controller) controller.abort();
        lastAsked = "";
        region.replaceChildren();
        return;
      }
      if (question.length < minChars || question === lastAsked) return;
      timer = setTimeout(() => ask(question, false), 450);
    };

    // While an input method is composing, the text is not what the person means yet.
    input.addEventListener("input", (event) => { if (!event.isComposing) schedule(); });
    input.addEventListener("compositionend", schedule);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      clearTimeout(timer);
      const question = input.value.trim();
      if (!question) return input.focus();
      if (question === lastAsked && region.firstElementChild) return region.focus();
      ask(question, true);
    });
  }

  // ---- 役に立ちましたか？ ---------------------------------------------------------------------
  let pressed = null;
  document.addEventListener("click", (event) => {
    const button = event.target.closest && event.target.closest(".feedback-form button");
    if (button) pressed = button;
  });
  document.addEventListener("submit", async (event) => {
    const target = event.target.closest && event.target.closest(".feedback-form");
    if (!target || !window.fetch) return;
    event.preventDefault();
    const button = event.submitter || pressed;
    const field = target.querySelector('[name="question_id"]');
    let id = field.value;
    const buttons = target.querySelectorAll("button");
    buttons.forEach((b) => { b.disabled = true; });
    const error = slot(target, "feedback-error");
    if (error) error.hidden = true;
    try {
      if (!id) {
        // The answer came while typing and was not logged: log the question now.
        const card = target.closest("[data-asked]");
        const asked = await fetch(form.dataset.askUrl, {
          method: "POST",
          headers: { "Content-Type": "application/json", Accept: "application/json" },
          body: JSON.stringify({ question: card ? card.dataset.asked : "", channel: "web" }),
          credentials: "same-origin",
        });
        if (!asked.ok) throw new Error(String(asked.status));
        id = String((await asked.json()).question_id);
        field.value = id;
      }
      const response = await fetch(`${feedbackUrl}${encodeURIComponent(id)}/feedback`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ helpful: !button || button.value === "yes" }),
        credentials: "same-origin",
      });
      if (!response.ok) throw new Error(String(response.status));
      const box = target.closest(".feedback");
      target.hidden = true;
      slot(box, "thanks").hidden = false;
    } catch (_) {
      buttons.forEach((b) => { b.disabled = false; });
      if (error) error.hidden = false;
    }
  });

  // ---- FAQ filter ---------------------------------------------------------------------------
  const filter = document.querySelector("[data-filter]");
  const field = byId("faq-filter-input");
  const fold = (text) => text.normalize("NFKC").toLowerCase();
  const entries = Array.from(document.querySelectorAll("#faq .faq-entry"));
  const groups = Array.from(document.querySelectorAll("#faq .faq-group"));
  const notes = Array.from(document.querySelectorAll("#faq .faq-note"));
  const texts = new Map(entries.map((el) => [el, fold(el.textContent).replace(/\s+/g, "")]));
  const applyFilter = () => {
    const terms = fold(field.value).split(/\s+/).filter(Boolean);
    let found = 0;
    for (const el of entries) {
      const hit = terms.every((t) => texts.get(el).includes(t));
      el.hidden = !hit;
      if (hit) found += 1;
    }
    for (const note of notes) note.hidden = terms.length > 0;
    for (const group of groups) group.hidden = !group.querySelector(".faq-entry:not([hidden])");
    const count = byId("faq-filter-count");
    count.textContent = !terms.length ? ""
      : found ? count.dataset.found.replace("{n}", String(found)) : count.dataset.none;
  };
  if (filter && field) {
    filter.hidden = false;
    field.addEventListener("input", applyFilter);
  }

  // ---- Permalinks: open the entry a link points at ---------------------------------------------
  const reveal = () => {
    const id = decodeURIComponent(location.hash.slice(1));
    if (!id.startsWith("entry-")) return;
    const target = byId(id);
    if (!target) return;
    if (target.hidden && field) {
      field.value = "";
      applyFilter();
    }
    for (let el = target.parentElement; el; el = el.parentElement) {
      if (el.tagName === "DETAILS") el.open = true;
    }
    const own = target.querySelector(":scope > details");
    if (own) own.open = true;
    target.scrollIntoView({ block: "start" });
    const summary = target.querySelector("summary");
    if (summary) summary.focus({ preventScroll: true });
  };
  window.addEventListener("hashchange", reveal);
  document.addEventListener("click", (event) => {
    const link = event.target.closest && event.target.closest('a[href^="#entry-"]');
    if (link && link.getAttribute("href") === location.hash) {
      event.preventDefault();
      reveal();
    }
  });
  reveal();
})();
