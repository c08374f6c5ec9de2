import { api } from "./api.js";

document.getElementById("login-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const error = document.getElementById("login-error");
  error.textContent = "";
  try {
    await api("POST", "/v1/auth/login", {
      email: document.getElementById("email").value,
      password: document.getElementById("password").value,
    });
    location.href = "/app";
  } catch (err) {
    error.textContent = err.message;
  }
});
