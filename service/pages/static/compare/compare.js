// Occupation pickers that search as you type (titles and alternate titles, through the API),
// following the ARIA combobox pattern: arrow keys move through the matches, Enter picks one,
// Escape closes the list. Without this script the fields still take a title or a code.
"use strict";

const SEARCH_URL = "/api/v1/occupations";
const SHOWN = 8;
const DELAY_MS = 150;

function setUpPicker(input, status) {
  const list = document.getElementById(input.getAttribute("aria-controls"));
  let matches = [];
  let active = -1;
  let timer = null;
  let asked = 0;

  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function highlight(index) {
    const options = list.querySelectorAll("[role=option]");
    options.forEach((option, i) => option.setAttribute("aria-selected", String(i === index)));
    active = index;
    if (index >= 0) {
      input.setAttribute("aria-activedescendant", options[index].id);
      options[index].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function pick(index) {
    const occupation = matches[index];
    input.value = `${occupation.title} (${occupation.code})`;
    close();
    status.textContent = `Picked ${occupation.title}.`;
  }

  function show(found) {
    matches = found;
    list.replaceChildren();
    found.forEach((occupation, i) => {
      const option = document.createElement("li");
      option.id = `${list.id}-${i}`;
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", "false");
      option.dataset.code = occupation.code;
      option.append(`${occupation.title} `);
      const code = document.createElement("span");
      code.className = "code";
      code.textContent = occupation.code;
      option.append(code);
      // mousedown, not click: the input must not lose focus (and close the list) first.
      option.addEventListener("mousedown", (event) => {
        event.preventDefault();
        pick(i);
      });
      list.append(option);
    });
    list.hidden = found.length === 0;
    input.setAttribute("aria-expanded", String(found.length > 0));
    active = -1;
    status.textContent = found.length ? `${found.length} matches; arrow keys to choose.` : "No match.";
  }

  async function search(text) {
    const mine = ++asked;
    const params = new URLSearchParams({ q: text, page_size: String(SHOWN) });
    try {
      const response = await fetch(`${SEARCH_URL}?${params}`, { headers: { Accept: "application/json" } });
      const found = response.ok ? await response.json() : [];
      if (mine === asked) show(found);
    } catch (error) {
      if (mine === asked) status.textContent = "Search is unavailable; type a code instead.";
    }
  }

  input.addEventListener("input", () => {
    clearTimeout(timer);
    const text = input.value.trim();
    if (text.length < 2) {
      asked++;
      close();
      return;
    }
    timer = setTimeout(() => search(text), DELAY_MS);
  });

  input.addEventListener("keydown", (event) => {
    const open = !list.hidden;
    if (event.key === "ArrowDown" && matches.length) {
      event.preventDefault();
      if (!open) {
        list.hidden = false;
        input.setAttribute("aria-expanded", "true");
      }
      highlight((active + 1) % matches.length);
    } else if (event.key === "ArrowUp" && open) {
      event.preventDefault();
      highlight(active <= 0 ? matches.length - 1 : active - 1);
    } else if (event.key === "Enter" && open && active >= 0) {
      event.preventDefault();
      pick(active);
    } else if (event.key === "Escape" && open) {
      event.preventDefault();
      close();
    }
  });

  input.addEventListener("blur", close);
}

document.addEventListener("DOMContentLoaded", () => {
  const status = document.getElementById("picker-status");
  document.querySelectorAll("input[role=combobox]").forEach((input) => setUpPicker(input, status));
});
