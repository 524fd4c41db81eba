// A changed select of the filters applies at once, except "Custom range": its dates come first.
document.querySelector("form.filters").addEventListener("change", (event) => {
  const select = event.target;
  if (select instanceof HTMLSelectElement && select.value !== "custom") select.form.requestSubmit();
});
