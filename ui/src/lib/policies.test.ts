import { afterEach, describe, expect, it } from 'vitest';
import { setLang } from '../i18n/index.svelte';
import { policyLabel } from './policies';

afterEach(() => setLang('en'));

describe('policyLabel', () => {
  it('names every policy the backend offers, in both languages', () => {
    const offered = ['manual', 'booking-wins', 'calendar-wins', 'latest-wins', 'fields:times=booking,title=calendar,details=booking'];
    expect(offered.map(policyLabel)).toEqual([
      'Manual (decide each conflict)',
      'Booking system wins',
      'Outlook wins',
      'Latest change wins',
      'By field: times from booking, title from Outlook, details from booking',
    ]);
    setLang('nb');
    expect(offered.map(policyLabel)).toEqual([
      'Manuelt (du avgjør hver konflikt)',
      'Bookingsystemet vinner',
      'Outlook vinner',
      'Siste endring vinner',
      'Per felt: tidspunkt fra bookingsystemet, tittel fra Outlook, detaljer fra bookingsystemet',
    ]);
  });

  it('shows a policy it does not know as it is spelled', () => {
    expect(policyLabel('keep-both')).toBe('keep-both');
    expect(policyLabel('toString')).toBe('toString');
  });
});
