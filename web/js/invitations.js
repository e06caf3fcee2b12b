// The account page's "Invitations" section (DESIGN.md section 15): "Create an invitation" shows
// the new link and its code this once, with a button to copy the link; below, the invitations
// made so far and whom each brought in. A new account waits a while (INVITE_MIN_AGE) before it
// may invite anyone, and the page says until when.

import { api } from './api.js';
import { inviteState, mayInvite } from './community.js';
import { copyField } from './copy.js';
import { el, fill } from './dom.js';
import { formatDate } from './format.js';
import { busy, onSubmit } from './forms.js';
import { userHref } from './urls.js';

const $ = (id) => document.getElementById(id);

function inviteItem(invite, now) {
  const state = inviteState(invite, now);
  const dates = {
    used: `Created ${formatDate(invite.created_at)}`,
    expired: `Created ${formatDate(invite.created_at)}, expired ${formatDate(invite.expires_at)}`,
    unused: `Created ${formatDate(invite.created_at)}, expires ${formatDate(invite.expires_at)}`,
  }[state];
  const outcome = state === 'used' && invite.used_by
    ? ['used by ', el('a', { className: 'author', href: userHref(invite.used_by.username), text: invite.used_by.username })]
    : [state];
  return el('li', { className: `invite ${state}` },
    el('span', { className: 'when', text: `${dates} · ` }),
    el('span', { className: 'invite-state' }, outcome));
}

/** The new invitation's link and code, shown this once. */
function showCreated({ link, code, expires_at: expiresAt }) {
  const box = $('invite-created');
  fill(box,
    el('p', { className: 'warning', text: 'Send this link to the person you are inviting. It is shown only now.' }),
    copyField({ id: 'invite-link', label: 'Invitation link', value: link, button: 'Copy link' }),
    el('p', { className: 'invite-code-line' }, 'Or they can type the code ', el('code', { className: 'invite-code', text: code }),
      ` on the sign-up form. It works once, until ${formatDate(expiresAt)}.`));
  box.hidden = false;
  $('invite-link').focus();
}

/** Draws the section's list and wires "Create an invitation". */
export async function invitationsSection() {
  const form = $('invite-form');
  const button = $('invite-button');
  const allowedNote = $('invite-allowed');
  const refresh = () => busy(form, async () => {
    const { invites, allowed_from: allowedFrom } = await api('GET', '/api/invites');
    const now = new Date();
    fill($('invite-list'), invites.map((invite) => inviteItem(invite, now)));
    $('invite-empty').hidden = invites.length > 0;
    const allowed = mayInvite(allowedFrom, now);
    allowedNote.textContent = allowed ? '' : `You can invite people from ${formatDate(allowedFrom)}.`;
    allowedNote.hidden = allowed;
    return allowed;
  }, []);
  onSubmit(form, async () => {
    showCreated(await api('POST', '/api/invites'));
    await refresh();
  });
  const allowed = await refresh();
  button.disabled = allowed === false;
  if (allowed === false) button.setAttribute('aria-describedby', 'invite-allowed');
}
