// The site's toasts (the spec's `showToast`): a message with optional action buttons, for a few seconds.
const SHOWN_MS = 8000;

export function showToast({ type = "success", message, actions = [] }) {
  const toast = document.createElement("div");
  toast.className = "toast";
  toast.dataset.type = type;
  toast.setAttribute("role", type === "error" ? "alert" : "status");
  toast.append(message);
  for (const action of actions) {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = action.label;
    button.addEventListener("click", () => {
      action.onClick();
      toast.remove();
    });
    toast.append(button);
  }
  document.getElementById("toasts").append(toast);
  setTimeout(() => toast.remove(), SHOWN_MS);
}
