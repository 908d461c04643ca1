export type Role = 'read' | 'reboot';
