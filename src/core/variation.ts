// What a check varies between its two builds; the comparison and the classifiers read it.
export interface Variation {
  /** What varies between the two builds: 'hostname', 'build path', 'user', 'locale', 'timezone'... */
  name: string;
  a: string;
  b: string;
}
