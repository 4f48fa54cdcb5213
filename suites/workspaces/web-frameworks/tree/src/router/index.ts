import { createRouter, createWebHistory } from 'vue-router';

import AccountView from '../views/AccountView.vue';
import HomeView from '../views/HomeView.vue';

export const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: '/', component: HomeView },
    { path: '/account', component: AccountView },
  ],
});
