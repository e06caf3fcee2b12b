// `/moderation`: the public moderation log, newest first, paged (`?page=`). Moderators and admins
// also see, above it, the queue of flagged posts and comments, each to remove or whose author
// to ban, and a form to ban or unban anyone by name; admins also the tags, to make, describe and
// delete.

import { api } from '../api.js';
import { actionText, banText, isAdmin, isModerator, logReason, reasonsText, targetHref } from '../community.js';
import { el, fill, pager } from '../dom.js';
import { formatDate, pageFromSearch, plural } from '../format.js';
import { busy, formOpeners } from '../forms.js';
import { boot } from '../header.js';
import { ban, banFields, banForm, removeForm, unban } from '../mod-tools.js';
import { tagAdminSection } from '../tag-admin.js';
import { commentHref, pageHref, userHref } from '../urls.js';

const PER_PAGE = 20;

const $ = (id) => document.getElementById(id);

const userLink = (user) => el('a', { className: 'author', href: userHref(user.username), text: user.username });

function logEntry(entry) {
  const title = entry.target_title || `${entry.target_type} ${entry.target_id}`;
  const href = targetHref(entry);
  const reason = logReason(entry);
  return el('li', { className: 'log-entry' },
    el('time', { className: 'when', datetime: entry.at, text: formatDate(entry.at) }),
    el('div', {},
      el('p', { className: 'log-line' },
        entry.moderator ? userLink(entry.moderator) : el('span', { className: 'command-line', text: 'command line' }),
        ` ${actionText(entry.action)} `,
        href ? el('a', { href, text: title }) : el('span', { className: 'excerpt-title', text: `“${title}”` })),
      reason ? el('p', { className: 'log-reason', text: reason }) : null));
}

async function showLog() {
  const page = pageFromSearch(location.search);
  const log = await api('GET', `/api/moderation/log?page=${page}&per_page=${PER_PAGE}`);
  fill($('log'), log.entries.map(logEntry));
  const empty = $('log-empty');
  empty.hidden = log.entries.length > 0;
  if (page > 1) empty.textContent = 'There is nothing on this page.';
  const hrefFor = (n) => pageHref(location.pathname, location.search, 'page', n);
  fill($('log-pager'), pager({ page, total: log.total, perPage: PER_PAGE, hrefFor, label: 'Pages of the log' }));
}

/** One flagged post or comment: what it is, who wrote it, its flags; "Remove" and "Ban author". */
function queueItem(item, changed) {
  const kind = item.target_type;
  const titleId = `queue-${kind}-${item.target_id}`;
  const href = kind === 'post' ? `/post/${item.post_id}` : commentHref(item.post_id, item.target_id);
  const slot = el('div', { className: 'queue-slot' });
  const buttons = formOpeners(slot, [
    { text: 'Remove', className: 'small danger', open: (close) => removeForm(kind, item.target_id, { close, done: () => changed(`The ${kind} is removed.`) }) },
    { text: 'Ban author', className: 'small secondary', open: (close) => banForm(item.author, { close, done: () => changed(`${item.author.username} is banned.`) }) },
  ], { 'aria-describedby': titleId });
  return el('li', { className: 'queue-item' },
    el('p', { className: 'queue-kind', text: kind === 'post' ? 'Post' : 'Comment on' }),
    el('h3', { id: titleId, className: 'queue-title' }, el('a', { href, text: item.title })),
    item.excerpt ? el('p', { className: 'excerpt', text: item.excerpt }) : null,
    el('p', { className: 'queue-meta' },
      'by ', userLink(item.author), ' · ',
      el('strong', { text: plural(item.flag_count, 'flag') }), `: ${reasonsText(item.reasons)}`),
    el('div', { className: 'form-buttons' }, buttons),
    slot);
}

async function showQueue(changed) {
  const { items } = await api('GET', '/api/moderation/queue');
  fill($('queue'), items.map((item) => queueItem(item, changed)));
  $('queue-empty').hidden = items.length > 0;
}

/** The "Ban or unban a user" form: the name is looked up (GET /api/users/{username}) for its id. */
function banUserForm(changed) {
  const form = $('ban-user-form');
  const status = $('ban-user-status');
  fill($('ban-user-fields'), banFields());
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const lifting = event.submitter && event.submitter.value === 'unban';
    const values = Object.fromEntries(new FormData(form));
    busy(form, async () => {
      status.textContent = '';
      const username = values.username.trim();
      if (!username) throw Object.assign(new Error('Enter the username of the person to ban or unban.'), { field: 'username' });
      let user;
      try {
        user = await api('GET', `/api/users/${encodeURIComponent(username)}`);
      } catch (error) {
        if (error.status !== 404) throw error;
        throw Object.assign(error, { message: `Nobody here is called “${username}”.`, field: 'username' });
      }
      if (lifting) {
        await unban(user);
        status.textContent = `${user.username} is no longer banned.`;
      } else {
        await ban(user, values);
        const banned = (await api('GET', `/api/users/${encodeURIComponent(user.username)}`)).banned;
        status.textContent = banned ? `${user.username} is ${banText(banned).replace(/^Banned/, 'banned')}.` : `${user.username} is banned.`;
      }
      form.reset();
      await changed();
    });
  });
}

boot(async (session) => {
  if (!isModerator(session)) {
    await showLog();
    return;
  }
  $('moderator-tools').hidden = false;
  const queueStatus = $('queue-status');
  /** After a removal or a ban: the queue and the log again, and what happened. */
  const changed = async (message) => {
    queueStatus.textContent = message || '';
    await Promise.all([showQueue(changed), showLog()]);
    if (message) $('queue-heading').focus();
  };
  banUserForm(() => changed());
  await Promise.all([showQueue(changed), showLog(), isAdmin(session) ? tagAdminSection($('tag-admin')) : null]);
});
