/**
 * The Swiss QR bill's data for an invoice: structured addresses (type S, the
 * only kind the SIX implementation guidelines 2.3 allow), the reference that
 * fits the account (QR-IBAN -> QR reference, IBAN -> ISO 11649 creditor
 * reference) and the exact amount due. swissqrbill renders it; the payload
 * parser beside it reads one back and checks it against the SIX rules.
 */
import type { Data } from 'swissqrbill/types';
import { paramError } from '../core/errors.js';
import {
  checkIban,
  creditorReference,
  isQrIban,
  qrReference,
  type Invoice,
  type PostalAddress,
} from '../core/billing/index.js';

export interface Creditor {
  name: string;
  iban: string;
  address: PostalAddress;
}

/** Checks a structured address against the QR bill's field limits; `param` names it in errors. */
export function checkAddress(a: PostalAddress | undefined, param: string): PostalAddress {
  if (!a || typeof a !== 'object') throw paramError(param, `${param} is needed for a QR bill (street, postal_code, town, country)`);
  const field = (k: keyof PostalAddress, max: number, required: boolean) => {
    const v = a[k];
    if (v === undefined || v === '') {
      if (required) throw paramError(`${param}.${k}`, `${param}.${k} is needed for a QR bill`);
      return;
    }
    if (typeof v !== 'string' || v.length > max) throw paramError(`${param}.${k}`, `${param}.${k} must be text of at most ${max} characters`);
  };
  field('street', 70, true);
  field('building_number', 16, false);
  field('postal_code', 16, true);
  field('town', 35, true);
  if (typeof a.country !== 'string' || !/^[A-Z]{2}$/.test(a.country)) throw paramError(`${param}.country`, `${param}.country must be a two-letter ISO country code such as CH`);
  return a;
}

/**
 * The payment reference for an invoice number: with a QR-IBAN a 27-digit QR
 * reference built from the number's digits, otherwise an RF creditor
 * reference built from its letters and digits.
 */
export function paymentReference(iban: string, invoiceNumber: string): { type: 'QRR' | 'SCOR'; reference: string } {
  if (isQrIban(iban)) {
    const digits = invoiceNumber.replace(/\D/g, '');
    if (digits === '' || digits.length > 26) throw paramError('invoice_number', `invoice_number needs 1–26 digits for a QR reference (got ${JSON.stringify(invoiceNumber)})`);
    return { type: 'QRR', reference: qrReference(digits) };
  }
  const alnum = invoiceNumber.replace(/[^A-Za-z0-9]/g, '');
  if (alnum === '' || alnum.length > 21) throw paramError('invoice_number', `invoice_number needs 1–21 letters or digits for a creditor reference (got ${JSON.stringify(invoiceNumber)})`);
  return { type: 'SCOR', reference: creditorReference(alnum) };
}

/** The QR bill's data, or null when nothing is due (a credit is paid back, not collected). */
export function qrBillData(opts: {
  creditor: Creditor;
  debtor: { name: string; address?: PostalAddress };
  invoice: Invoice;
  invoiceNumber: string;
  message?: string;
}): Data | null {
  const { invoice } = opts;
  if (invoice.balance <= 0) return null;
  const iban = checkIban(opts.creditor.iban, 'owner.iban');
  const ca = checkAddress(opts.creditor.address, 'owner.address');
  const { reference } = paymentReference(iban, opts.invoiceNumber);
  const data: Data = {
    currency: 'CHF',
    amount: invoice.balance / 100,
    creditor: {
      account: iban,
      name: opts.creditor.name.slice(0, 70),
      address: ca.street,
      buildingNumber: ca.building_number,
      zip: ca.postal_code,
      city: ca.town,
      country: ca.country,
    },
    reference,
    message: (opts.message ?? '').slice(0, 140) || undefined,
  };
  if (opts.debtor.address) {
    const da = checkAddress(opts.debtor.address, `participants[${invoice.participant_id}].address`);
    data.debtor = {
      name: opts.debtor.name.slice(0, 70),
      address: da.street,
      buildingNumber: da.building_number,
      zip: da.postal_code,
      city: da.town,
      country: da.country,
    };
  }
  return data;
}
