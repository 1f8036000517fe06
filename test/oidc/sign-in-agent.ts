/**
 * A scripted user agent for the sign-in pages: it keeps cookies as a browser does (per name, sent back on every
 * request to the node), follows redirects by hand (so a test sees each hop), reads the pages' forms and posts them.
 * No JavaScript: passkey ceremonies are answered by the test's software authenticator.
 */
export class SignInAgent {
  readonly cookies = new Map<string, string>();
  /** The pages seen, in order (the last is the current one). */
  readonly pages: { url: string; status: number; html: string }[] = [];

  constructor(private readonly origin: string) {}

  private remember(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (!name) continue;
      // An expired cookie (logout) is deleted as a browser would.
      if (!value || /expires=Thu, 01 Jan 1970/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  private cookieHeader(): Record<string, string> {
    if (!this.cookies.size) return {};
    return { cookie: [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ') };
  }

  /** One request, no redirect followed. */
  async request(url: string, init: { method?: string; form?: Record<string, string> } = {}): Promise<Response> {
    const absolute = new URL(url, this.origin).toString();
    const response = await fetch(absolute, {
      method: init.method ?? (init.form ? 'POST' : 'GET'),
      redirect: 'manual',
      headers: {
        ...this.cookieHeader(),
        ...(init.form ? { 'content-type': 'application/x-www-form-urlencoded', origin: this.origin } : {}),
      },
      ...(init.form ? { body: new URLSearchParams(init.form).toString() } : {}),
    });
    this.remember(response);
    return response;
  }

  /**
   * Follows redirects on this node until a page is shown or the browser is sent elsewhere (the application's
   * redirect URI); returns the page, or the URL it was sent to.
   */
  async follow(response: Response): Promise<{ page?: string; status: number; leftTo?: URL }> {
    let current = response;
    for (let hops = 0; hops < 20; hops++) {
      const location = current.headers.get('location');
      if (current.status < 300 || current.status >= 400 || !location) {
        const html = await current.text();
        this.pages.push({ url: current.url, status: current.status, html });
        return { page: html, status: current.status };
      }
      const next = new URL(location, this.origin);
      if (next.origin !== this.origin || !next.pathname.match(/^\/(oidc|sign-in)\b/))
        return { status: current.status, leftTo: next };
      current = await this.request(next.toString());
    }
    throw new Error('too many redirects');
  }

  /** Opens a URL and follows its redirects. */
  async open(url: string) {
    return this.follow(await this.request(url));
  }

  /** The current page. */
  get page(): string {
    const last = this.pages.at(-1);
    if (!last) throw new Error('no page yet');
    return last.html;
  }

  /** Posts the current page's form whose hidden `action` is `action`, with `fields` filled in. */
  async submit(action: string, fields: Record<string, string> = {}) {
    const form = findForm(this.page, action);
    if (!form) throw new Error(`no form "${action}" on the page:\n${this.page}`);
    return this.follow(await this.request(form.target, { form: { ...form.hidden, ...fields } }));
  }
}

interface PageForm {
  target: string;
  hidden: Record<string, string>;
  attributes: Record<string, string>;
}

const unescape = (value: string) =>
  value
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

/** The form of a page whose hidden `action` field is `action`. */
export function findForm(html: string, action: string): PageForm | undefined {
  for (const match of html.matchAll(/<form([^>]*)>([\s\S]*?)<\/form>/g)) {
    const [, attributeText = '', inner = ''] = match;
    const attributes = Object.fromEntries(
      [...attributeText.matchAll(/([\w-]+)="([^"]*)"/g)].map(([, name = '', value = '']) => [name, unescape(value)]),
    );
    const hidden = Object.fromEntries(
      [...inner.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map(([, n = '', v = '']) => [
        n,
        unescape(v),
      ]),
    );
    if (hidden.action === action && attributes.action) return { target: attributes.action, hidden, attributes };
  }
  return undefined;
}
