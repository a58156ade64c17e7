// paperwire's only script of its own: keyboard shortcuts and math rendering.
// Pages work without it; it only adds to them.
(() => {
  "use strict";
  const nonce = document.currentScript ? document.currentScript.nonce : "";
  const MATH_SELECTOR = ".paper-title, .abstract, .abstract-full, .comment-body, h1";
  const MATH_TEST = /\$[^$]+\$|\\\(|\\\[/;

  // -- math: KaTeX, loaded only on pages that have TeX, with its safe settings ------
  function loadScript(src) {
    return new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = src;
      script.nonce = nonce;
      script.onload = resolve;
      script.onerror = reject;
      document.head.appendChild(script);
    });
  }

  function renderMath(root) {
    const targets = [...root.querySelectorAll(MATH_SELECTOR)].filter((el) => MATH_TEST.test(el.textContent));
    if (!targets.length) return;
    const ready = window.renderMathInElement ? Promise.resolve() : loadKatex();
    ready.then(() => {
      for (const el of targets) {
        window.renderMathInElement(el, {
          delimiters: [
            { left: "$$", right: "$$", display: true },
            { left: "\\[", right: "\\]", display: true },
            { left: "$", right: "$", display: false },
            { left: "\\(", right: "\\)", display: false },
          ],
          throwOnError: false,
          trust: false, // no \href, \url, \includegraphics, \htmlClass ...
          strict: "ignore",
          maxSize: 10,
          maxExpand: 200,
          ignoredTags: ["script", "noscript", "style", "textarea", "pre", "code", "option", "input"],
        });
      }
    }).catch(() => { /* KaTeX not installed: the TeX stays readable as text */ });
  }

  function loadKatex() {
    const css = document.createElement("link");
    css.rel = "stylesheet";
    css.href = "/static/vendor/katex/katex.min.css";
    document.head.appendChild(css);
    return loadScript("/static/vendor/katex/katex.min.js")
      .then(() => loadScript("/static/vendor/katex/auto-render.min.js"));
  }

  // -- keyboard shortcuts --------------------------------------------------------------
  let current = -1;
  const cards = () => [...document.querySelectorAll(".paper-card")];

  function select(index) {
    const all = cards();
    if (!all.length) return;
    current = Math.max(0, Math.min(index, all.length - 1));
    all.forEach((card, i) => card.classList.toggle("is-current", i === current));
    const link = all[current].querySelector(".paper-title a");
    if (link) link.focus({ preventScroll: true });
    all[current].scrollIntoView({ block: "nearest" });
  }

  function currentCard() {
    const all = cards();
    const focused = document.activeElement && document.activeElement.closest(".paper-card");
    return focused || all[current] || null;
  }

  function toggleHelp() {
    const help = document.getElementById("shortcuts");
    if (!help) return;
    if (help.open) help.close(); else help.showModal();
  }

  const actions = {
    j: () => select(current + 1),
    k: () => select(current - 1),
    o: () => { const card = currentCard(); const a = card && card.querySelector(".paper-title a"); if (a) a.click(); },
    u: () => { const card = currentCard(); const b = card && card.querySelector(".vote-button"); if (b) b.click(); },
    "/": () => { const box = document.getElementById("site-search"); if (box) { box.focus(); box.select(); } },
    "?": toggleHelp,
  };

  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    if (target.closest && target.closest("input, textarea, select, [contenteditable]")) return;
    const action = actions[event.key];
    if (!action) return;
    event.preventDefault();
    action();
  });

  document.addEventListener("click", (event) => {
    if (event.target.closest("[data-shortcuts]")) { event.preventDefault(); toggleHelp(); }
    const copy = event.target.closest("[data-copy]");
    if (copy) copyText(copy);
  });

  // -- "Copy BibTeX": the text of the element the button names ----------------------
  // The Clipboard API only exists on HTTPS and localhost; a deployment on plain HTTP
  // gets the text selected and copied the old way, or selected for Ctrl+C.
  function copyText(button) {
    const source = document.getElementById(button.dataset.copy);
    if (!source) return;
    if (navigator.clipboard) {
      navigator.clipboard.writeText(source.textContent).then(
        () => flash(button, "Copied"), () => copyBySelecting(button, source));
    } else {
      copyBySelecting(button, source);
    }
  }

  function copyBySelecting(button, source) {
    const range = document.createRange();
    range.selectNodeContents(source);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    let copied = false;
    try { copied = document.execCommand("copy"); } catch (error) { copied = false; }
    flash(button, copied ? "Copied" : "Selected: press Ctrl+C");
  }

  function flash(button, text) {
    const label = button.dataset.label || button.textContent;
    button.dataset.label = label;
    button.textContent = text;
    setTimeout(() => { button.textContent = label; }, 1500);
  }

  const start = () => renderMath(document);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
  document.addEventListener("htmx:afterSwap", (event) => renderMath(event.target));
})();
