// `/login`: log in or sign up (with an invitation code when the site asks for one), then on to
// the dashboard. Already logged in → dashboard.
// An account with two-factor on is asked, in place, for a code from its authenticator app
// (or a recovery code); the email and password wait in memory for the second request.
// "Log in with a passkey" needs neither: the browser offers the site's passkeys on the device
// (offered only where passkeys can work: a browser with them, on a domain name).

import { api } from '../api.js';
import { inviteFromHash } from '../community.js';
import { clearError, onSubmit } from '../forms.js';
import { boot } from '../header.js';
import { passkeyProblem } from '../identity.js';
import { logInWithPasskey, passkeysBlocked } from '../passkeys.js';
import { withoutSpaces } from '../recovery.js';

// An invitation link (`/login#invite=CODE`) fills in the code; the fragment leaves the address
// bar at once, so the code stays out of the history.
const inviteCode = inviteFromHash(location.hash);
if (inviteCode) history.replaceState(history.state, '', location.pathname + location.search);

function loginForm(form) {
  const $ = (id) => document.getElementById(id);
  const toggle = $('login-code-toggle');
  let pending = null; // {email, password} once the server has asked for a code
  let recovery = false;
  const codeInput = () => $(recovery ? 'login-recovery' : 'login-totp');

  const askFor = (recoveryCode) => {
    recovery = recoveryCode;
    $('login-totp-field').hidden = recovery;
    $('login-recovery-field').hidden = !recovery;
    toggle.textContent = recovery ? 'Use your authenticator app instead' : 'Use a recovery code instead';
    codeInput().focus();
  };
  const secondStep = (on) => {
    $('login-credentials').hidden = on;
    $('login-two-factor').hidden = !on;
    $('login-two-factor-links').hidden = !on;
    if (on) {
      askFor(false);
    } else {
      pending = null;
      $('login-totp').value = '';
      $('login-recovery').value = '';
      $('login-password').focus();
    }
  };
  toggle.addEventListener('click', () => {
    clearError(form);
    askFor(!recovery);
  });
  $('login-restart').addEventListener('click', () => {
    clearError(form);
    secondStep(false);
  });

  onSubmit(form, async ({ email, password, totp_code, recovery_code }) => {
    if (!pending) {
      try {
        await api('POST', '/api/users/login', { email, password });
      } catch (error) {
        if (error.code !== 'two_factor_required') throw error;
        pending = { email, password };
        secondStep(true);
        return;
      }
    } else {
      const code = recovery ? { recovery_code: withoutSpaces(recovery_code) } : { totp_code: withoutSpaces(totp_code) };
      try {
        await api('POST', '/api/users/login', { ...pending, ...code });
      } catch (error) {
        if (error.code === 'invalid_credentials') secondStep(false);
        if (error.code === 'invalid_two_factor_code' && !error.field) error.field = codeInput().name;
        throw error;
      }
    }
    location.assign('/dashboard');
  });
}

/** "Log in with a passkey": on to the dashboard, as a password login; a cancelled prompt is said calmly. */
function passkeyLogin() {
  const $ = (id) => document.getElementById(id);
  if (passkeysBlocked()) return;
  const button = $('passkey-login-button');
  const status = $('passkey-login-status');
  const error = $('passkey-login-error');
  $('passkey-login').hidden = false;
  button.addEventListener('click', async () => {
    button.disabled = true;
    status.textContent = '';
    error.textContent = '';
    try {
      await logInWithPasskey();
    } catch (failure) {
      const { text, calm } = passkeyProblem(failure, { login: true });
      (calm ? status : error).textContent = text;
      button.disabled = false;
      return;
    }
    location.assign('/dashboard');
  });
}

/**
 * Sign-up as the site's `registration` has it: open, by invitation (the code field shown and
 * required), or closed (the form hidden). A code from an invitation link is filled in whatever
 * the mode; a code refused is said beside the field.
 */
function signupForm(form, registration) {
  const $ = (id) => document.getElementById(id);
  const codeField = $('signup-invite-field');
  const code = $('signup-invite');
  const showCode = () => {
    codeField.hidden = false;
    code.required = true;
  };
  if (inviteCode) {
    code.value = inviteCode;
    showCode();
  }
  if (registration === 'closed') {
    form.hidden = true;
    $('signup-closed').hidden = false;
    return;
  }
  if (registration === 'invite') {
    $('signup-invite-only').hidden = false;
    showCode();
  }
  onSubmit(form, async ({ username, email, password, invite_code: typed = '' }) => {
    const invite = typed.trim();
    try {
      await api('POST', '/api/users', { username, email, password, ...(invite ? { invite_code: invite } : {}) });
    } catch (error) {
      if (error.code === 'invite_required' || error.code === 'invalid_invite') showCode();
      if (error.code === 'invalid_invite') error.field = 'invite_code';
      else if (error.code === 'invite_required') code.focus();
      throw error;
    }
    location.assign('/dashboard');
  });
}

boot(async (session) => {
  if (session.logged_in) {
    location.replace('/dashboard');
    return;
  }
  document.getElementById('login-forms').hidden = false;
  loginForm(document.getElementById('login-form'));
  passkeyLogin();
  signupForm(document.getElementById('signup-form'), session.registration || 'open');
});
