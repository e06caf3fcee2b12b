// `/forgot`: ask for a password-reset link by email. The API answers the same whether or not an
// account uses the address, and so does the page.

import { api } from '../api.js';
import { onSubmit } from '../forms.js';
import { boot } from '../header.js';

const SENT = 'If an account uses that address, a link to reset its password is on its way. It works for one hour.';

boot(async () => {
  document.getElementById('forgot').hidden = false;
  const form = document.getElementById('forgot-form');
  onSubmit(form, async ({ email }) => {
    await api('POST', '/api/password-resets', { email });
    const sent = document.getElementById('forgot-sent');
    form.hidden = true;
    sent.textContent = SENT;
    sent.focus();
  });
});
