// After a passkey is registered, go on: to the address the page names (enrolment), or
// reload to show the new passkey in the list (account security page).
document.addEventListener("otp_webauthn.register_complete", function () {
  var after = document.getElementById("passkey-after-register");
  var next = after && after.dataset.next;
  window.location.assign(next || window.location.href);
});
