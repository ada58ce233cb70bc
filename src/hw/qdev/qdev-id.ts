// Device ids (util/id.c id_wellformed): a letter, then letters, digits,
// '-', '.' or '_'.

export function idWellformed(id: string): boolean {
  return /^[A-Za-z][A-Za-z0-9._-]*$/.test(id);
}
