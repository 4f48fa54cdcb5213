import { defineStore } from 'pinia';

export interface Profile {
  id: number;
  name: string;
  email: string;
  avatarUrl?: string;
}

export const useUserStore = defineStore('user', {
  state: () => ({ profile: null as Profile | null }),
  getters: {
    isLoggedIn: (state) => state.profile !== null,
  },
  actions: {
    async load() {
      const res = await fetch('/api/me', { credentials: 'include' });
      this.profile = res.ok ? await res.json() : null;
    },
    async logout() {
      await fetch('/api/logout', { method: 'POST', credentials: 'include' });
      this.profile = null;
    },
  },
});
