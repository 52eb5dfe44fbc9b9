import './base.css';
import './pipeline.css';
import './cells.css';
