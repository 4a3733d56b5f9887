import * as ToastPrimitive from '@radix-ui/react-toast';
import { Button, Flex, IconButton, Text } from '@radix-ui/themes';
import { Cross2Icon } from '@radix-ui/react-icons';
import { type ReactNode, createContext, useCallback, useContext, useMemo, useState } from 'react';

export interface ToastInput {
  title: string;
  description?: string;
  tone?: 'info' | 'error';
  /** A button in the toast (Join, View); `altText` says what it does for screen readers. */
  action?: { label: string; altText: string; onClick: () => void };
  durationMs?: number;
}

interface ToastEntry extends ToastInput {
  id: number;
}

const ToastContext = createContext<((toast: ToastInput) => void) | null>(null);

/** Shows a toast: `const toast = useToast(); toast({ title: 'Saved' })`. */
export function useToast(): (toast: ToastInput) => void {
  const push = useContext(ToastContext);
  if (!push) throw new Error('useToast outside Toaster');
  return push;
}

let nextId = 1;

/**
 * Toasts on Radix's primitive (focus, swipe to dismiss, F8 to reach the region, announced to
 * screen readers), drawn with the theme's tokens.
 */
export function Toaster({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<ToastEntry[]>([]);
  const push = useCallback((toast: ToastInput) => {
    setToasts((current) => [...current.slice(-4), { ...toast, id: nextId++ }]);
  }, []);
  const remove = useCallback((id: number) => {
    setToasts((current) => current.filter((t) => t.id !== id));
  }, []);
  const value = useMemo(() => push, [push]);

  return (
    <ToastContext.Provider value={value}>
      <ToastPrimitive.Provider swipeDirection="right" duration={6000} label="Notification">
        {children}
        {toasts.map((toast) => (
          <ToastPrimitive.Root
            key={toast.id}
            className="cascade-toast"
            data-tone={toast.tone ?? 'info'}
            duration={toast.durationMs ?? (toast.action ? 12_000 : 6_000)}
            onOpenChange={(open) => {
              if (!open) remove(toast.id);
            }}
          >
            <Flex gap="3" align="start" justify="between">
              <Flex direction="column" gap="1">
                <ToastPrimitive.Title asChild>
                  <Text size="2" weight="bold">
                    {toast.title}
                  </Text>
                </ToastPrimitive.Title>
                {toast.description && (
                  <ToastPrimitive.Description asChild>
                    <Text size="2" color="gray">
                      {toast.description}
                    </Text>
                  </ToastPrimitive.Description>
                )}
              </Flex>
              <Flex gap="2" align="center">
                {toast.action && (
                  <ToastPrimitive.Action asChild altText={toast.action.altText}>
                    <Button size="1" onClick={toast.action.onClick}>
                      {toast.action.label}
                    </Button>
                  </ToastPrimitive.Action>
                )}
                <ToastPrimitive.Close asChild>
                  <IconButton size="1" variant="ghost" color="gray" aria-label="Dismiss">
                    <Cross2Icon />
                  </IconButton>
                </ToastPrimitive.Close>
              </Flex>
            </Flex>
          </ToastPrimitive.Root>
        ))}
        <ToastPrimitive.Viewport className="cascade-toast-viewport" />
      </ToastPrimitive.Provider>
    </ToastContext.Provider>
  );
}
