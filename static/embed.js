// embed.js: one script tag turns a page's runnable code blocks into socketlab cells.
//
//   <script src="https://GATEWAY/embed.js" defer></script>
//
// A classic script, so that the tag is all an author writes: it finds the gateway from its
// own address and loads the cell's modules from there (embed-main.js). docs/embed.md says
// which blocks become cells and what their attributes mean.
(function () {
  "use strict";
  var me = document.currentScript;
  if (!me || !me.src) return;
  // The gateway serves this file with the versioned address of the module here.
  var main = new URL("/static/embed-main.js", me.src).href;
  var start = function () {
    import(main).then(function (m) {
      m.start();
    }, function (err) {
      console.error("socketlab: could not load " + main + ": " + (err && err.message || err) +
        " (does this page's Content-Security-Policy allow the gateway in script-src?)");
    });
  };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
