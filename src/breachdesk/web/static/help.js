/* breachdesk help page: answers as the person types, suggestions that open in place (and log the
   choice), feedback without a reload, the FAQ filter and permalinks that open their entry.
   Optional: the page works without it. Markup comes from the <template> elements the server
   renders; text is only ever set with textContent. */
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
  const choiceUrl = form ? form.dataset.choiceUrl : "/api/v1/questions/";
  // Questions about being affected that get no answer are offered the scope check.
  const scopeIntents = new Set(((form && form.dataset.scopeIntents) || "").split(" ").filter(Boolean));

  // A question answered while typing is not logged (no id, no token): log it before feedback or
  // a choice. Both go back with the vote: the token proves the answer was this person's.
  const questionId = async (holder) => {
    const field = holder.querySelector('[name="question_id"]');
    const token = holder.querySelector('[name="feedback_token"]');
    if (field.value && token.value) return { id: field.value, token: token.value };
    const card = holder.closest("[data-asked]");
    const asked = await fetch(form.dataset.askUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ question: card ? card.dataset.asked : "", channel: "web" }),
      credentials: "same-origin",
    });
    if (!asked.ok) throw new Error(String(asked.status));
    const logged = await asked.json();
    field.value = String(logged.question_id);
    token.value = String(logged.feedback_token);
    return { id: field.value, token: token.value };
  };

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

    const fillPlace = (node, entry, place) => {
      setText(node, "place", place);
      slot(node, "link").href = `#entry-${entry}`;
      slot(node, "place-line").hidden = !place;
    };

    const fillSuggestions = (node, suggestions) => {
      const list = slot(node, "suggestions");
      suggestions.forEach((s, i) => {
        const item = clone("tpl-suggestion");
        const button = slot(item, "choose");
        const panel = slot(item, "suggestion-answer");
        button.value = s.entry;
        button.textContent = s.question;
        panel.id = `suggestion-${i + 1}`;
        button.setAttribute("aria-controls", panel.id);
        button.setAttribute("aria-expanded", "false");
        setText(item, "suggestion-text", s.answer);
        fillPlace(item, s.entry, s.section ? s.section.split(" > ").join(" › ") : "");
        list.append(item);
      });
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
      const suggested = !data.answered && data.outcome === "suggested" && data.suggestions.length;
      const node = clone(
        data.answered ? "tpl-answered" : suggested ? "tpl-suggested" : "tpl-abstained",
      );
      if (data.answered) {
        setText(node, "matched", data.matched_question);
        setText(node, "text", data.answer);
        fillPlace(node, data.entry, data.section ? data.section.split(" > ").join(" › ") : "");
        slot(node, "entry").value = data.entry || "";
      } else {
        fillStatus(node, data.contact);
        if (suggested) fillSuggestions(node, data.suggestions);
        const offer = slot(node, "scope-offer");
        if (offer && scopeIntents.has(data.intent)) {
          const shown = clone("tpl-scope-offer");
          if (shown) offer.append(shown);
        }
      }
      setText(node, "asked", data.question);
      slot(node, "asked-line").hidden = false;
      // An as-you-type answer is not logged (question_id null); feedback or a choice logs it.
      const qid = slot(node, "qid");
      if (qid) qid.value = data.question_id == null ? "" : String(data.question_id);
      const token = slot(node, "token");
      if (token) token.value = data.feedback_token == null ? "" : String(data.feedback_token);
      node.dataset.asked = data.question;
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

  // ---- お探しの質問はこちらですか？ --------------------------------------------------------------
  // A suggestion opens its approved answer in place and logs the choice (once per entry); without
  // JavaScript the same button posts the form and the server shows the answer.
  const chooser = (event) => {
    const target = event.target.closest && event.target.closest(".suggestion-form");
    if (!target || !window.fetch || !form) return false;
    event.preventDefault();
    const button = event.submitter || pressed;
    if (!button || !button.value) return true;
    const panel = byId(button.getAttribute("aria-controls"));
    const open = button.getAttribute("aria-expanded") !== "true";
    button.setAttribute("aria-expanded", String(open));
    if (panel) panel.hidden = !open;
    if (open && button.dataset.logged !== "1") {
      button.dataset.logged = "1";
      questionId(target)
        .then((asked) => fetch(`${choiceUrl}${encodeURIComponent(asked.id)}/choice`, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ entry: button.value, feedback_token: asked.token }),
          credentials: "same-origin",
        }))
        .catch(() => { button.dataset.logged = ""; });
    }
    return true;
  };
  for (const button of document.querySelectorAll(".suggestion-form [data-slot='choose']")) {
    button.setAttribute("aria-expanded", "false");
  }

  // ---- 役に立ちましたか？ ---------------------------------------------------------------------
  let pressed = null;
  document.addEventListener("click", (event) => {
    const button = event.target.closest && event.target.closest("form button");
    if (button) pressed = button;
  });
  document.addEventListener("submit", async (event) => {
    if (chooser(event)) return;
    const target = event.target.closest && event.target.closest(".feedback-form");
    if (!target || !window.fetch) return;
    event.preventDefault();
    const button = event.submitter || pressed;
    const buttons = target.querySelectorAll("button");
    buttons.forEach((b) => { b.disabled = true; });
    const error = slot(target, "feedback-error");
    if (error) error.hidden = true;
    try {
      const asked = await questionId(target);
      const response = await fetch(`${feedbackUrl}${encodeURIComponent(asked.id)}/feedback`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({
          helpful: !button || button.value === "yes",
          feedback_token: asked.token,
        }),
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
