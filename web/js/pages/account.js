// `/account`: your profile, your e-mail address (confirmed or not, and changing it), invitations,
// change password, two-factor authentication, passkeys, the tags you filter out, the people you
// muted, whether notifications are e-mailed, your sessions, your API tokens, your private feeds,
// the download of your data, delete account.

import { api } from '../api.js';
import { el, fill } from '../dom.js';
import { filtersForm, loadFilters } from '../filters.js';
import { formatDate } from '../format.js';
import { emailAddressSection } from '../email.js';
import { busy, onSubmit, redirectIfLoggedOut } from '../forms.js';
import { boot } from '../header.js';
import { emailSettingSaved } from '../inbox.js';
import { invitationsSection } from '../invitations.js';
import { showMuted } from '../mutes.js';
import { passkeysSection } from '../passkeys.js';
import { privateFeedsSection } from '../private-feeds.js';
import { allTags } from '../tags.js';
import { tokensSection } from '../tokens.js';
import { twoFactorSection } from '../two-factor.js';
import { yourDataSection } from '../your-data.js';

/** Shows the profile and returns it (GET /api/users/me), or null when it could not be loaded. */
async function showProfile() {
  const error = document.getElementById('profile-error');
  try {
    const me = await api('GET', '/api/users/me');
    document.getElementById('profile-username').textContent = me.username;
    document.getElementById('profile-email').textContent = me.email;
    document.getElementById('profile-since').textContent = formatDate(me.created_at);
    return me;
  } catch (failure) {
    if (redirectIfLoggedOut(failure)) return null;
    document.querySelector('.profile').hidden = true;
    error.textContent = failure.message;
    return null;
  }
}

function sessionItem(session, refresh) {
  const when = `since ${formatDate(session.created_at)}, last seen ${formatDate(session.last_seen_at)}`;
  const item = el('li', { className: 'session' },
    el('span', { className: 'device', text: session.device || 'Unknown device' }),
    el('span', { className: 'when', text: ` (${when})` }));
  if (session.current) {
    item.append(el('strong', { className: 'current', text: ' this browser' }));
    return item;
  }
  const form = el('form', { className: 'inline' },
    el('button', { type: 'submit', className: 'small secondary', text: 'End session', 'aria-label': `End session on ${session.device || 'unknown device'}` }));
  onSubmit(form, async () => {
    await api('DELETE', `/api/users/me/sessions/${session.id}`);
    await refresh();
  });
  item.append(form);
  return item;
}

/** "Filtered tags": a checkbox a tag, saved to the account; "There are no tags yet." when none. */
async function showFilters(session) {
  const [tags, chosen] = await Promise.all([allTags(), loadFilters(session)]);
  const form = filtersForm(session, tags, chosen, { idPrefix: 'account-filter' });
  fill(document.getElementById('filters-body'), form);
  document.getElementById('filters-empty').hidden = Boolean(form);
}

/**
 * "E-mail notifications": one checkbox, ticked as `me.settings` says and saved as soon as it
 * changes (one change at a time, in order), what was saved said beneath. A refused change is
 * undone on the page.
 */
function emailSection(me) {
  const box = document.getElementById('email-box');
  const status = document.getElementById('email-status');
  const error = document.getElementById('email-error');
  let saved = Boolean(me.settings && me.settings.email_notifications);
  let pending = Promise.resolve();
  const save = async (wanted) => {
    status.textContent = '';
    error.textContent = '';
    try {
      saved = (await api('PUT', '/api/users/me/settings', { email_notifications: wanted })).email_notifications;
      status.textContent = emailSettingSaved(saved);
    } catch (failure) {
      if (!redirectIfLoggedOut(failure)) error.textContent = failure.message;
      box.checked = saved;
    }
  };
  box.checked = saved;
  box.disabled = false;
  box.addEventListener('change', () => {
    const wanted = box.checked;
    pending = pending.then(() => save(wanted));
  });
}

async function showSessions() {
  const list = document.getElementById('session-list');
  const form = document.getElementById('end-others-form');
  const refresh = () => busy(form, async () => {
    const { sessions } = await api('GET', '/api/users/me/sessions');
    list.replaceChildren(...sessions.map((session) => sessionItem(session, refresh)));
    form.hidden = !sessions.some((session) => !session.current);
  }, []);
  onSubmit(form, async () => {
    await api('DELETE', '/api/users/me/sessions');
    await refresh();
  });
  await refresh();
  return refresh;
}

boot(async (session) => {
  if (!session.logged_in) {
    location.replace('/login');
    return;
  }
  document.getElementById('account').hidden = false;
  const muted = showMuted(document.getElementById('muted-list'), document.getElementById('muted-empty'));
  privateFeedsSection();
  yourDataSection();
  const [me, refreshSessions, refreshTokens] = await Promise.all([showProfile(), showSessions(), tokensSection(), invitationsSection(), muted, showFilters(session), passkeysSection()]);
  // What ends every other session (a new password, two-factor turned off) ends the tokens too.
  const othersEnded = async () => {
    await refreshSessions();
    await refreshTokens();
  };
  const twoFactor = document.getElementById('two-factor');
  if (me) twoFactorSection(twoFactor, me, othersEnded);
  else twoFactor.hidden = true;
  if (me) emailSection(me);
  else document.getElementById('email-notifications').hidden = true;
  if (me) emailAddressSection(me);
  else document.getElementById('address').hidden = true;

  const passwordForm = document.getElementById('password-form');
  const status = document.getElementById('password-status');
  onSubmit(passwordForm, async ({ current_password, new_password }) => {
    status.textContent = '';
    await api('PUT', '/api/users/me/password', { current_password, new_password });
    passwordForm.reset();
    status.textContent = 'Password changed. Every other session has been logged out, your API tokens revoked and your private feed URLs turned off.';
    await othersEnded();
  });

  onSubmit(document.getElementById('delete-account-form'), async ({ password }) => {
    await api('DELETE', '/api/users/me', { password });
    location.assign('/');
  });
});
