// The customer chat page: each message goes to /chat/<token>/messages; the reply is shown as text (never as HTML).
(function () {
  const main = document.getElementById("main");
  const token = main.dataset.token;
  const list = document.getElementById("messages");
  const form = document.getElementById("chat-form");
  const box = document.getElementById("chat-text");
  let conversation = sessionStorage.getItem("tw-chat-" + token);

  function add(role, text) {
    const li = document.createElement("li");
    li.className = "msg " + role;
    const p = document.createElement("p");
    p.dir = "auto";
    p.textContent = text;
    li.appendChild(p);
    list.appendChild(li);
    li.scrollIntoView({block: "end"});
  }

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    const text = box.value.trim();
    if (!text) return;
    add("customer", text);
    box.value = "";
    form.querySelector("button").disabled = true;
    try {
      const r = await fetch("/chat/" + encodeURIComponent(token) + "/messages", {
        method: "POST", headers: {"Content-Type": "application/json"},
        body: JSON.stringify({conversation_id: conversation, text: text})});
      const body = await r.json();
      if (!r.ok) { add("error", (body.error && body.error.message) || r.statusText); return; }
      conversation = body.conversation_id;
      sessionStorage.setItem("tw-chat-" + token, conversation);
      if (body.text) add("agent", body.text);
    } finally {
      form.querySelector("button").disabled = false;
      box.focus();
    }
  });
})();
