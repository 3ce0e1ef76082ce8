// Draws the network a diagram page carries as JSON in <script id="graph-data" type="application/json">.
// One file for every page: served once and cached (the web app, `diagram --all`) or inlined (`diagram -o`).
// The seeded physics settles first; then labels are moved apart by their drawn size (vis-network's
// avoidOverlap spaces the dots, not their labels), and the whole picture is fitted into the frame.
// Same data and fonts, same picture on every load: no step here is random.
(function () {
  "use strict";
  var GAP = 12;  // canvas units between two label boxes
  var ROUNDS = 2000;  // each round moves every overlapping pair apart; a few dozen usually suffice

  // Boxes relative to each node's position: a label's size does not change when its node moves.
  function boxesOf(network, ids) {
    return ids.map(function (id) {
      var box = network.getBoundingBox(id), at = network.getPosition(id);
      return {id: id, x: at.x, y: at.y, left: box.left - at.x, right: box.right - at.x,
              top: box.top - at.y, bottom: box.bottom - at.y};
    });
  }

  // Push every overlapping pair apart along the axis where they overlap least (wide labels mostly
  // stack), half each way, until no two boxes overlap. In id order, so the result is the same each time.
  function separate(boxes) {
    for (var round = 0; round < ROUNDS; round++) {
      var moved = false;
      for (var i = 0; i < boxes.length; i++) {
        var a = boxes[i];
        for (var j = i + 1; j < boxes.length; j++) {
          var b = boxes[j];
          var dx = Math.min(a.x + a.right, b.x + b.right) - Math.max(a.x + a.left, b.x + b.left) + GAP;
          if (dx <= 0) { continue; }
          var dy = Math.min(a.y + a.bottom, b.y + b.bottom) - Math.max(a.y + a.top, b.y + b.top) + GAP;
          if (dy <= 0) { continue; }
          moved = true;
          if (dx < dy) {
            var sx = (a.x + (a.left + a.right) / 2) <= (b.x + (b.left + b.right) / 2) ? 1 : -1;
            a.x -= sx * (dx / 2 + 0.5);
            b.x += sx * (dx / 2 + 0.5);
          } else {
            var sy = (a.y + (a.top + a.bottom) / 2) <= (b.y + (b.top + b.bottom) / 2) ? 1 : -1;
            a.y -= sy * (dy / 2 + 0.5);
            b.y += sy * (dy / 2 + 0.5);
          }
        }
      }
      if (!moved) { return round; }
    }
    return ROUNDS;
  }

  function draw() {
    var data = JSON.parse(document.getElementById("graph-data").textContent);
    var container = document.getElementById("network");
    var network = new vis.Network(
      container, {nodes: new vis.DataSet(data.nodes), edges: new vis.DataSet(data.edges)}, data.options);
    window.tsunaguNetwork = network;
    network.once("stabilizationIterationsDone", function () {
      network.setOptions({physics: false});
      network.once("afterDrawing", function () { setTimeout(settle, 0); });  // after vis-network's own drawing
    });

    function settle() {
      network.fit();  // every node in view, so that drawing measures every label where it is
      network.redraw();
      var ids = data.nodes.map(function (node) { return node.id; }).sort();
      var boxes = boxesOf(network, ids);
      document.body.setAttribute("data-rounds", String(separate(boxes)));
      boxes.forEach(function (box) { network.moveNode(box.id, box.x, box.y); });
      network.fit();
      network.redraw();
      // a frame that changes size (a phone turned, a window resized) shows the whole picture again, once
      // vis-network has finished keeping the old view's centre
      network.on("resize", function () { setTimeout(function () { network.fit(); }, 0); });
      document.body.setAttribute("data-ready", "true");
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
