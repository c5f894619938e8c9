// The "My skills" page: sends the questionnaire's answers (skipped elements left out) to the API
// for the best matches, then for the gap to the match picked, drawn as the compare page's chart.
// The answers go nowhere else; the last profile sent is on the form's data-profile.
"use strict";

const MATCHES_URL = "/api/v1/profiles/matches";
const GAP_URL = "/api/v1/profiles/gap";
const SHOWN = 10;
const LEVEL_MAX = 7;
const SVG = "http://www.w3.org/2000/svg";

function profileOf(form) {
  const levels = [];
  form.querySelectorAll("fieldset[data-element]").forEach((fieldset) => {
    const checked = fieldset.querySelector("input:checked");
    if (checked && checked.value !== "") {
      levels.push({ element_id: fieldset.dataset.element, level: Number(checked.value) });
    }
  });
  return levels;
}

async function post(url, body) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response.json();
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function rect(className, x, y, width, height) {
  const node = document.createElementNS(SVG, "rect");
  Object.entries({ class: className, x, y, width, height }).forEach(([name, value]) =>
    node.setAttribute(name, String(value)),
  );
  return node;
}

const width = (level) => Math.round((level / LEVEL_MAX) * 10000) / 100;

function chartRow(gap, title) {
  const row = element("li", "chart-row gap");
  row.dataset.element = gap.element_id;
  row.dataset.fromLevel = gap.from_level.toFixed(2);
  row.dataset.toLevel = gap.to_level.toFixed(2);
  const bars = document.createElementNS(SVG, "svg");
  Object.entries({
    class: "bars",
    viewBox: "0 0 100 20",
    preserveAspectRatio: "none",
    "aria-hidden": "true",
    focusable: "false",
  }).forEach(([name, value]) => bars.setAttribute(name, value));
  const from = width(gap.from_level);
  const to = width(gap.to_level);
  bars.append(
    rect("track", 0, 0, 100, 20),
    rect("bar-gap", from, 0, Math.round((to - from) * 100) / 100, 20),
    rect("bar-from", 0, 2, from, 7),
    rect("bar-to", 0, 11, to, 7),
  );
  const values = element("span", "chart-values", `${gap.from_level.toFixed(2)} → ${gap.to_level.toFixed(2)} `);
  values.append(element("strong", "", `gap +${gap.difference.toFixed(2)}`));
  const anchors = element("p", "chart-anchors");
  const yours = gap.from_level === 0 ? "not at all" : gap.from_anchor;
  if (yours) anchors.append(element("span", "", `You: ${yours}`));
  if (gap.to_anchor) anchors.append(element("span", "", `${title}: ${gap.to_anchor}`));
  row.append(element("span", "chart-name", gap.name), bars, values, anchors);
  return row;
}

function setUp(form) {
  const status = document.getElementById("form-status");
  const results = document.getElementById("results");
  const list = document.getElementById("matches");
  const gapPart = document.getElementById("gap");
  let sent = [];
  let asked = 0;

  function showGap(answer, match) {
    const title = match.title;
    const skipped = answer.not_assessed.length;
    document.getElementById("gap-heading").textContent = `Gap to ${title}`;
    document.getElementById("gap-occupation").textContent = title;
    const elements = `${skipped} element${skipped === 1 ? "" : "s"}`;
    const counted = skipped ? ` The ${elements} it rates that you skipped are not counted.` : "";
    document.getElementById("gap-summary").textContent = answer.gaps.length
      ? `${title} needs a higher level than yours in ${answer.gaps.length} of the elements you answered.${counted}`
      : `You meet every level ${title} needs in the elements you answered.${counted}`;
    const chart = document.getElementById("gap-chart");
    chart.querySelector("ul").replaceChildren(...answer.gaps.map((gap) => chartRow(gap, title)));
    chart.hidden = answer.gaps.length === 0;
    gapPart.hidden = false;
    document.getElementById("gap-heading").focus();
  }

  async function choose(match, button) {
    const mine = ++asked;
    list.querySelectorAll("button[aria-current]").forEach((other) => other.removeAttribute("aria-current"));
    button.setAttribute("aria-current", "true");
    status.textContent = `Finding the gap to ${match.title}…`;
    try {
      const answer = await post(GAP_URL, { levels: sent, to: match.code });
      if (mine !== asked) return;
      status.textContent = "";
      showGap(answer, match);
    } catch (error) {
      if (mine === asked) status.textContent = "The gap cannot be found right now; try again shortly.";
    }
  }

  function matchItem(match) {
    const item = element("li");
    item.dataset.code = match.code;
    const button = element("button", "match", match.title);
    button.type = "button";
    button.addEventListener("click", () => choose(match, button));
    const largest = match.top_gaps.length ? `, largest: ${match.top_gaps.map((gap) => gap.name).join(", ")}` : "";
    const gaps = `${match.gap_count} gap${match.gap_count === 1 ? "" : "s"}`;
    item.append(
      button,
      " ",
      element("span", "code", match.code),
      element("span", "meta", `score ${match.score.toFixed(2)} · ${gaps}${largest}`),
    );
    return item;
  }

  function showMatches(answer) {
    document.getElementById("matches-summary").textContent =
      `The ${answer.matches.length} occupations your answers fit best (a score of 1 fits exactly).` +
      " Pick one to see where it needs more.";
    list.replaceChildren(...answer.matches.map(matchItem));
    gapPart.hidden = true;
    results.hidden = false;
    document.getElementById("matches-heading").focus();
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const levels = profileOf(form);
    const mine = ++asked;
    if (levels.length === 0) {
      results.hidden = true;
      status.textContent = "Answer at least one question first (“Not at all” counts).";
      return;
    }
    sent = levels;
    form.dataset.profile = JSON.stringify(levels);
    status.textContent = "Finding your matches…";
    try {
      const answer = await post(MATCHES_URL, { levels, limit: SHOWN });
      if (mine !== asked) return;
      status.textContent = "";
      showMatches(answer);
    } catch (error) {
      if (mine === asked) status.textContent = "The matches cannot be found right now; try again shortly.";
    }
  });

  form.querySelector("button[type=submit]").disabled = false;
}

document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("profile-form");
  if (form) setUp(form);
});
