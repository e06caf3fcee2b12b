// The account page: profile, change password, sessions, delete account.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  createPost, DESKTOP, launchBrowser, openPage, PASSWORD, PHONE, shot, signUp, startServer,
} from './harness.js';

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function logIn(page, email, password) {
  await page.goto('/login');
  await page.locator('#login-email').fill(email);
  await page.locator('#login-password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
}

async function loggedInAs(page) {
  return page.evaluate(() => fetch('/api/session').then((r) => r.json()).then((s) => s.user && s.user.username));
}

describe('the account page', () => {
  test('shows your profile and changes your password', async () => {
    const { page, errors, allow } = await openPage(browser, server.url, PHONE);
    allow('status of 403');
    allow('status of 401');
    const username = await signUp(page);
    await page.goto('/account');
    await page.locator('#profile-username', { hasText: username }).waitFor();
    assert.equal(await page.locator('#profile-email').innerText(), `${username}@example.com`);
    assert.match(await page.locator('#profile-since').innerText(), /^\d\d\/\d\d\/\d\d$/);
    await shot(page, 'story-account-375');

    const form = page.locator('#password-form');
    await form.getByLabel('Current password').fill('not-my-password-at-all');
    await form.getByLabel('New password').fill('another-correct-horse-battery');
    await form.getByRole('button', { name: 'Change password' }).click();
    await form.getByRole('alert').filter({ hasText: /\S/ }).waitFor();
    assert.equal(await form.getByLabel('New password').inputValue(), 'another-correct-horse-battery');

    await form.getByLabel('Current password').fill(PASSWORD);
    await form.getByRole('button', { name: 'Change password' }).click();
    await page.getByRole('status').filter({ hasText: 'Password changed' }).waitFor();
    assert.equal(await loggedInAs(page), username);

    await page.getByRole('button', { name: 'logout' }).click();
    await page.waitForURL((url) => url.pathname === '/');
    await logIn(page, `${username}@example.com`, PASSWORD);
    await page.locator('#login-form').getByRole('alert').filter({ hasText: /\S/ }).waitFor();
    await logIn(page, `${username}@example.com`, 'another-correct-horse-battery');
    await page.waitForURL('**/dashboard');
    assert.deepEqual(errors, []);
  });

  test('lists your sessions and logs out everywhere else', async () => {
    const here = await openPage(browser, server.url, DESKTOP);
    const username = await signUp(here.page);
    const there = await openPage(browser, server.url, PHONE);
    await logIn(there.page, `${username}@example.com`, PASSWORD);
    await there.page.waitForURL('**/dashboard');

    await here.page.goto('/account');
    await here.page.locator('#session-list .session').nth(1).waitFor();
    assert.equal(await here.page.locator('#session-list .session').count(), 2);
    assert.equal(await here.page.locator('#session-list .current').count(), 1);
    await shot(here.page, 'story-account-sessions-1280');
    await here.page.getByRole('button', { name: 'Log out everywhere else' }).click();
    await here.page.locator('#end-others-form[hidden]').waitFor({ state: 'attached' });
    assert.equal(await here.page.locator('#session-list .session').count(), 1);

    assert.equal(await loggedInAs(there.page), null);
    assert.equal(await loggedInAs(here.page), username);
    assert.deepEqual([...here.errors, ...there.errors], []);
  });

  test('changing the password logs a second browser out on its next action', async () => {
    const here = await openPage(browser, server.url, DESKTOP);
    const there = await openPage(browser, server.url, PHONE);
    there.allow('status of 401');
    const username = await signUp(here.page);
    const id = await createPost(here.page, 'Password changes elsewhere');
    await logIn(there.page, `${username}@example.com`, PASSWORD);
    await there.page.waitForURL('**/dashboard');
    await there.page.goto(`/post/${id}`);
    const upvote = there.page.getByRole('button', { name: 'Upvote' });
    await upvote.waitFor();

    await here.page.goto('/account');
    await here.page.locator('#session-list .session').nth(1).waitFor();
    const form = here.page.locator('#password-form');
    await form.getByLabel('Current password').fill(PASSWORD);
    await form.getByLabel('New password').fill('another-correct-horse-battery');
    await form.getByRole('button', { name: 'Change password' }).click();
    await here.page.getByRole('status').filter({ hasText: 'Password changed' }).waitFor();
    await here.page.locator('#session-list .session').nth(1).waitFor({ state: 'detached' });
    assert.equal(await here.page.locator('#session-list .session').count(), 1);
    await shot(here.page, 'story-account-password-elsewhere-1280');

    await upvote.click();
    await there.page.waitForURL('**/login');
    await there.page.locator('#login-forms:not([hidden])').waitFor();
    assert.equal(await loggedInAs(there.page), null);
    await shot(there.page, 'story-account-password-elsewhere-375');

    assert.equal(await loggedInAs(here.page), username);
    await here.page.reload();
    await here.page.locator('#profile-username', { hasText: username }).waitFor();
    assert.equal(new URL(here.page.url()).pathname, '/account');
    assert.deepEqual([...here.errors, ...there.errors], []);
    await here.context.close();
    await there.context.close();
  });

  test('ending a session from the list logs that browser out on its next action', async () => {
    const here = await openPage(browser, server.url, DESKTOP);
    const there = await openPage(browser, server.url, PHONE);
    there.allow('status of 401');
    const username = await signUp(here.page);
    await logIn(there.page, `${username}@example.com`, PASSWORD);
    await there.page.waitForURL('**/dashboard');
    await there.page.locator('#dashboard:not([hidden])').waitFor();

    await here.page.goto('/account');
    const sessions = here.page.locator('#session-list .session');
    await sessions.nth(1).waitFor();
    assert.equal(await sessions.count(), 2);
    const other = sessions.filter({ hasNot: here.page.locator('.current') });
    assert.equal(await other.count(), 1);
    await other.getByRole('button', { name: /^End session/ }).click();
    await sessions.nth(1).waitFor({ state: 'detached' });
    assert.equal(await sessions.count(), 1);
    assert.equal(await here.page.locator('#session-list .current').count(), 1);
    await here.page.locator('#end-others-form[hidden]').waitFor({ state: 'attached' });
    await shot(here.page, 'story-account-end-session-1280');

    const form = there.page.locator('#create-form');
    await form.getByLabel('Title').fill('Posted after my session ended');
    await form.getByLabel('URL').fill('https://www.example.com/too-late');
    await form.getByRole('button', { name: 'Create' }).click();
    await there.page.waitForURL('**/login');
    await there.page.locator('#login-forms:not([hidden])').waitFor();
    assert.equal(await loggedInAs(there.page), null);
    await shot(there.page, 'story-account-end-session-375');

    assert.equal(await loggedInAs(here.page), username);
    const { posts } = await here.page.evaluate(() => fetch('/api/posts?per_page=100').then((r) => r.json()));
    assert.ok(!posts.some((post) => post.title === 'Posted after my session ended'));
    assert.deepEqual([...here.errors, ...there.errors], []);
    await here.context.close();
    await there.context.close();
  });

  test('deletes your account after asking for your password', async () => {
    const { page, errors, allow } = await openPage(browser, server.url, DESKTOP);
    allow('status of 403');
    allow('status of 401');
    const username = await signUp(page);
    await page.goto('/account');
    const form = page.locator('#delete-account-form');
    await form.getByLabel('Password').fill('not-my-password-at-all');
    await form.getByRole('button', { name: 'Delete my account' }).click();
    await form.getByRole('alert').filter({ hasText: /\S/ }).waitFor();
    assert.equal(await loggedInAs(page), username);

    await form.getByLabel('Password').fill(PASSWORD);
    await form.getByRole('button', { name: 'Delete my account' }).click();
    await page.waitForURL((url) => url.pathname === '/');
    await page.locator('#site-nav a', { hasText: 'login' }).waitFor();
    await logIn(page, `${username}@example.com`, PASSWORD);
    await page.locator('#login-form').getByRole('alert').filter({ hasText: /\S/ }).waitFor();
    assert.deepEqual(errors, []);
  });
});
