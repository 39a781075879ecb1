// What every screen may need about the session: the user, the server's meta, the chosen time zone and formatters.
import { createContext, useContext } from 'react';
import type { Formatters } from './format';
import type { Meta, User } from './types';

export interface AppContextValue {
  user: User;
  meta: Meta | null;
  timeZone: string;
  setTimeZone(zone: string): void;
  fmt: Formatters;
  logout(): Promise<void>;
}

export const AppContext = createContext<AppContextValue | null>(null);

export function useApp(): AppContextValue {
  const value = useContext(AppContext);
  if (!value) throw new Error('useApp() outside <AppContext.Provider>');
  return value;
}
