// The account page's "Two-factor authentication" section (DESIGN.md section 16). Off: what it
// is and "Turn on". Setting up: the QR code and the key as text (shown this once), and the
// first code to finish. Then the recovery codes, shown once, to save or download. On: how many
// recovery codes are left, "Turn off", and "New recovery codes".

import { api } from './api.js';
import { el, fill } from './dom.js';
import { plural } from './format.js';
import { field, onSubmit } from './forms.js';
import { groupInFours, RECOVERY_CODES_FILE, recoveryCodesText, svgDataUrl, withoutSpaces } from './recovery.js';

const passwordField = (id) =>
  field({ label: 'Password', name: 'password', id, type: 'password', autocomplete: 'current-password', required: true });

/** Saves `text` as a file through a temporary download link. */
function download(filename, text) {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/plain' }));
  const link = el('a', { href: url, download: filename, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

/**
 * Draws the section for `me` (from GET /api/users/me) into `section`; `refreshSessions` redraws
 * the session list, which turning two-factor on or off shortens.
 */
export function twoFactorSection(section, me, refreshSessions) {
  const body = section.querySelector('#two-factor-body');
  const status = section.querySelector('#two-factor-status');
  const heading = section.querySelector('h2');
  const draw = (...children) => fill(body, ...children);
  // After a change the old controls are gone: focus starts again at the section's heading.
  const moved = () => heading.focus();

  function off() {
    const form = el('form', { novalidate: true, 'aria-label': 'Turn on two-factor authentication' },
      passwordField('two-factor-on-password'),
      el('button', { type: 'submit', text: 'Turn on' }));
    onSubmit(form, async ({ password }) => {
      status.textContent = '';
      settingUp(await api('POST', '/api/users/me/totp', { password }));
      moved();
    });
    draw(
      el('p', { text: 'Off. With it on, logging in also asks for a 6-digit code from an authenticator app on your phone, so your password alone is not enough.' }),
      form);
  }

  function settingUp({ secret, qr_svg }) {
    const form = el('form', { novalidate: true },
      field({ label: 'Code from the app', name: 'code', id: 'two-factor-code', inputmode: 'numeric', autocomplete: 'one-time-code', required: true, hint: '6 digits; a new one every 30 seconds' }),
      el('div', { className: 'form-buttons' },
        el('button', { type: 'submit', text: 'Confirm' }),
        el('button', { type: 'button', className: 'secondary', text: 'Cancel', onClick: () => { off(); moved(); } })));
    onSubmit(form, async ({ code }) => {
      const { recovery_codes } = await api('POST', '/api/users/me/totp/confirm', { code: withoutSpaces(code) });
      showCodes(recovery_codes);
      status.textContent = 'Two-factor authentication is on. Every other session was logged out.';
      moved();
      await refreshSessions();
    });
    draw(el('ol', { className: 'steps' },
      el('li', {},
        el('p', { text: 'Scan this QR code with an authenticator app on your phone.' }),
        el('img', { className: 'qr', src: svgDataUrl(qr_svg), alt: 'QR code to add Just Tech News to an authenticator app' })),
      el('li', {},
        el('p', { text: 'Or type this key into the app:' }),
        el('p', { className: 'secret', text: groupInFours(secret) }),
        el('p', { className: 'hint', text: 'The key is shown only now: once two-factor is on, nobody can see it again, not even you.' })),
      el('li', {},
        el('p', { text: 'Enter the 6-digit code the app shows to finish.' }),
        form)));
  }

  function showCodes(codes) {
    const form = el('form', { className: 'form-buttons' },
      el('button', { type: 'button', className: 'secondary', text: 'Download as text', onClick: () => download(RECOVERY_CODES_FILE, recoveryCodesText(codes, me.username)) }),
      el('button', { type: 'submit', text: 'Done' }));
    onSubmit(form, async () => {
      status.textContent = '';
      on(await api('GET', '/api/users/me'));
      moved();
    });
    draw(
      el('h3', { id: 'recovery-codes-heading', text: 'Your recovery codes' }),
      el('p', { className: 'warning', text: 'Save these now: they are shown only once. Each one logs you in one time if you cannot use your authenticator app.' }),
      el('ul', { className: 'recovery-codes', 'aria-labelledby': 'recovery-codes-heading' },
        codes.map((code) => el('li', {}, el('code', { text: code })))),
      form);
  }

  function on({ recovery_codes_left: left }) {
    const turnOff = el('form', { novalidate: true, 'aria-labelledby': 'two-factor-off-heading' },
      passwordField('two-factor-off-password'),
      field({ label: 'Code from your app, or a recovery code', name: 'code', id: 'two-factor-off-code', autocomplete: 'one-time-code', autocapitalize: 'none', spellcheck: 'false', required: true }),
      el('button', { type: 'submit', className: 'danger', text: 'Turn off' }));
    onSubmit(turnOff, async ({ password, code }) => {
      status.textContent = '';
      await api('DELETE', '/api/users/me/totp', { password, code: withoutSpaces(code) });
      off();
      status.textContent = 'Two-factor authentication is off. Every other session was logged out.';
      moved();
      await refreshSessions();
    });
    const renew = el('form', { novalidate: true, 'aria-labelledby': 'new-codes-heading' },
      passwordField('new-codes-password'),
      el('button', { type: 'submit', text: 'New recovery codes' }));
    onSubmit(renew, async ({ password }) => {
      status.textContent = '';
      showCodes((await api('POST', '/api/users/me/totp/recovery-codes', { password })).recovery_codes);
      moved();
    });
    draw(
      el('p', { className: 'two-factor-state' }, el('strong', { text: 'On' }), ` — ${plural(left, 'recovery code')} left`),
      left <= 2 ? el('p', { className: 'hint', text: 'Running low: make new recovery codes before you need one.' }) : null,
      el('h3', { id: 'two-factor-off-heading', text: 'Turn off' }),
      turnOff,
      el('h3', { id: 'new-codes-heading', text: 'New recovery codes' }),
      el('p', { text: 'Replaces your recovery codes with 10 new ones; the old ones stop working.' }),
      renew);
  }

  if (me.two_factor) on(me);
  else off();
}
