import { LabIcon } from '@jupyterlab/ui-components';
import cellpipeSvg from '../style/icons/cellpipe.svg';

export const cellpipeIcon = new LabIcon({ name: 'cellpipe:logo', svgstr: cellpipeSvg });
