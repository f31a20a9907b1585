/** On a wide screen a header field sits beside its label, as in a mail client's header. */
export const ROW = "sm:grid sm:grid-cols-[4.5rem_minmax(0,1fr)] sm:items-center sm:gap-2";
