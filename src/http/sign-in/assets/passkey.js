// Runs the WebAuthn ceremony of a sign-in page's passkey form: its options come from the form's data-options
// attribute (JSON from the server), its answer goes back in the form's `response` field as JSON. A ceremony that
// does not end with a credential (cancelled, timed out, or refused by the browser, as on a look-alike origin) posts
// nothing: the page says so and the form stays, to try again or to use another way.
function showProblem(form, message) {
  let alert = form.previousElementSibling;
  if (!alert || !alert.classList.contains('passkey-error')) {
    alert = document.createElement('p');
    alert.className = 'error passkey-error';
    alert.setAttribute('role', 'alert');
    form.before(alert);
  }
  alert.textContent = message;
}

for (const form of document.querySelectorAll('form.passkey')) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const options = JSON.parse(form.dataset.options);
    const field = form.querySelector('input[name="response"]');
    let credential;
    try {
      credential =
        form.dataset.ceremony === 'create'
          ? await navigator.credentials.create({
              publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options),
            })
          : await navigator.credentials.get({
              publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options),
            });
    } catch {
      credential = null;
    }
    if (!credential) {
      showProblem(form, 'No passkey was used. Try again, or choose another option on this page.');
      return;
    }
    field.value = JSON.stringify(credential.toJSON());
    form.submit();
  });
}
