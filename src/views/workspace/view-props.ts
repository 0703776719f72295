/** Props every lazily loaded workspace view receives (its default export takes these). */
export interface WorkspaceViewProps {
  patientId: string;
}
