// The receipt page's copy button: optional (the page works without script); no inline script, the CSP forbids it.
(function () {
  var button = document.getElementById("copy-receipt");
  var code = document.getElementById("receipt-code");
  var status = document.getElementById("copy-status");
  if (!button || !code) { return; }
  button.hidden = false;
  button.addEventListener("click", function () {
    var range = document.createRange();  // the code is selected too, so a long press copies it by hand
    range.selectNodeContents(code);
    var chosen = window.getSelection();
    chosen.removeAllRanges();
    chosen.addRange(range);
    var done = function () { status.textContent = button.dataset.copied; };
    // the old command works within the click in every browser; the Clipboard API where it does not
    if (document.execCommand && document.execCommand("copy")) {
      done();
    } else if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(code.textContent.trim()).then(done);
    }
  });
})();
