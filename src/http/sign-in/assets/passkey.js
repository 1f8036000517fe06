// Runs the WebAuthn ceremony of a sign-in page's passkey form: its options come from the form's data-options
// attribute (JSON from the server), its answer goes back in the form's `response` field as JSON.
for (const form of document.querySelectorAll('form.passkey')) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const options = JSON.parse(form.dataset.options);
    const field = form.querySelector('input[name="response"]');
    try {
      const credential =
        form.dataset.ceremony === 'create'
          ? await navigator.credentials.create({
              publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options),
            })
          : await navigator.credentials.get({
              publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options),
            });
      field.value = JSON.stringify(credential.toJSON());
    } catch {
      field.value = '';
    }
    form.submit();
  });
}
