// The builder: choosing a usage preset fills in its four shares, which the recruiter may adjust.
// Without JavaScript, blank shares take the preset's when the form is saved.
document.addEventListener("change", (event) => {
  const select = event.target;
  if (!(select instanceof HTMLSelectElement) || !select.dataset.presets) return;
  const shares = JSON.parse(select.dataset.presets)[select.value];
  if (!shares) return;
  for (const [name, share] of Object.entries(shares)) {
    const input = select.form.querySelector(`[data-mix="${name}"]`);
    if (input) input.value = share;
  }
  // The live totals listen for input events: recompute with the new shares.
  select.form.dispatchEvent(new Event("input", { bubbles: true }));
});

// Fields that apply only to some choices (the strike price to options, the exchange rate to
// other currencies than USD) show only then. Without JavaScript every field shows.
function showWhatApplies(form) {
  for (const wrapper of form.querySelectorAll("[data-show-when]")) {
    const [name, values] = wrapper.dataset.showWhen.split(":");
    const control = form.elements[name];
    wrapper.hidden = control ? !values.split(" ").includes(control.value) : false;
  }
}

for (const form of document.querySelectorAll("form#offer-form")) {
  showWhatApplies(form);
  form.addEventListener("change", () => showWhatApplies(form));
  // Totals recompute as the recruiter types: the button is for browsers without JavaScript.
  for (const button of form.querySelectorAll("[data-without-js]")) button.hidden = true;
}
