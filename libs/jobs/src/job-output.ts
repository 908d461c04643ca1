/** What `GET job/{id}` shows: the output lines joined by newlines, and the failure reason. */
export interface JobOutput {
  output: string;
  errors: string;
}
