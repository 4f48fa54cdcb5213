import { defineStore } from 'pinia';

export interface Toast {
  id: number;
  text: string;
  tone: 'info' | 'error';
}

let nextId = 1;

export const useNotificationStore = defineStore('notifications', {
  state: () => ({ toasts: [] as Toast[] }),
  actions: {
    push(text: string, tone: Toast['tone'] = 'info') {
      const id = nextId++;
      this.toasts.push({ id, text, tone });
      setTimeout(() => this.dismiss(id), 4000);
    },
    dismiss(id: number) {
      this.toasts = this.toasts.filter((t) => t.id !== id);
    },
  },
});
