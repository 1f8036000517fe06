const STYLE =
  'body{font:16px system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem}label,input,button{display:block;margin:.5rem 0}';

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title><style>${STYLE}</style></head>
<body><main><h1>${title}</h1>${body}<p><small>Bulwark sandbox processor: test cards only, no real payment.</small></p></main></body>
</html>`;
}

/** The hosted card form: a test card number becomes a PaymentMethod id (the number never reaches Bulwark). */
export function tokenizationPage(): string {
  return page(
    'Add a test card',
    `<form method="post" action="/sandbox/tokenize">
<label for="number">Card number</label><input id="number" name="number" inputmode="numeric" autocomplete="cc-number" required>
<label for="exp">Expiry (MM/YY)</label><input id="exp" name="exp" autocomplete="cc-exp">
<label for="cvc">CVC</label><input id="cvc" name="cvc" inputmode="numeric" autocomplete="cc-csc">
<button type="submit">Save card</button></form>`,
  );
}

/** The hosted 3D Secure challenge of a payment or setup intent: the customer approves or fails it. */
export function authenticationPage(intentId: string): string {
  const id = intentId.replace(/[^A-Za-z0-9_]/g, '').slice(0, 64);
  return page(
    'Confirm this payment',
    `<p>Your bank asks you to confirm <code>${id}</code>.</p>
<form method="post" action="/sandbox/authenticate/${id}"><input type="hidden" name="result" value="approve"><button type="submit">Complete authentication</button></form>
<form method="post" action="/sandbox/authenticate/${id}"><input type="hidden" name="result" value="fail"><button type="submit">Fail authentication</button></form>`,
  );
}
