// Escape closes the navbar's menu (a checkbox) and the account menu (a <details>).
addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  const toggle = document.querySelector(".menu__toggle");
  if (toggle) toggle.checked = false;
  const account = document.querySelector("details.account");
  if (account) account.open = false;
});
