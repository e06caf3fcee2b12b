// `/login`: log in or sign up, then on to the dashboard. Already logged in → dashboard.

import { api } from '../api.js';
import { onSubmit } from '../forms.js';
import { boot } from '../header.js';

boot(async (session) => {
  if (session.logged_in) {
    location.replace('/dashboard');
    return;
  }
  document.getElementById('login-forms').hidden = false;
  onSubmit(document.getElementById('login-form'), async ({ email, password }) => {
    await api('POST', '/api/users/login', { email, password });
    location.assign('/dashboard');
  });
  onSubmit(document.getElementById('signup-form'), async ({ username, email, password }) => {
    await api('POST', '/api/users', { username, email, password });
    location.assign('/dashboard');
  });
});
