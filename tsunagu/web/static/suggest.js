// Suggestions as you type: fills the municipality field's <datalist> from /places.json (same origin,
// cached by the browser). Without it the form still works; names are set as text, never as markup.
document.addEventListener("DOMContentLoaded", function () {
  var lists = document.querySelectorAll("datalist[data-source]");
  if (!lists.length) { return; }
  fetch(lists[0].getAttribute("data-source")).then(function (response) {
    return response.ok ? response.json() : [];
  }).then(function (places) {
    lists.forEach(function (list) {
      var fragment = document.createDocumentFragment();
      places.forEach(function (place) {
        var option = document.createElement("option");
        option.value = place[0];
        option.textContent = place[1];
        fragment.appendChild(option);
      });
      list.appendChild(fragment);
      list.setAttribute("data-ready", "true");
    });
  });
});
