import { imageReferenceProblem } from './imageReference';

const sha256 = 'sha256:' + 'a'.repeat(64);

describe('image references (distribution/reference grammar)', () => {
  test.each([
    'python',
    'python:3.12',
    'python:3.12-slim',
    'library/python:3.12',
    'docker.io/library/python:3.12',
    'ghcr.io/org/team/image:v1.2.3',
    'localhost:5000/image',
    'registry.example.com:443/a/b_c/d__e/f-g---h:latest',
    'Registry.Example.COM/image', // domains may be uppercase
    '[::1]:5000/image:tag',
    `python@${sha256}`,
    `python:3.12@${sha256}`,
    'image:' + 'T'.repeat(128),
    'a.b-c_d'
  ])('%s is a reference', reference => {
    expect(imageReferenceProblem(reference)).toBeNull();
  });

  test.each([
    ['', 'grammar'],
    ['Python:3.12', 'grammar'], // a path component is lowercase
    ['python:3.12 slim', 'grammar'],
    ['python:', 'grammar'],
    ['python:-tag', 'grammar'],
    ['image:' + 't'.repeat(129), 'grammar'],
    ['-python', 'grammar'],
    ['python-', 'grammar'],
    ['a//b', 'grammar'],
    ['a/b/', 'grammar'],
    ['a.-b', 'grammar'],
    ['a___b', 'grammar'],
    ['python:{{workflow.name}}', 'grammar'],
    ['$(IMAGE)', 'grammar'],
    ['python;rm -rf /', 'grammar'],
    ['python@sha256:abc', 'grammar'],
    ['python@sha256:' + 'g'.repeat(64), 'grammar'],
    ['https://registry/image', 'grammar'],
    ['python\n', 'grammar'],
    ['python@' + 'sha256:' + 'a'.repeat(63) + 'ab', 'sha256 digest has 65 hex digits'],
    ['a/' + 'b'.repeat(254), 'longer than 255']
  ])('%j is refused', (reference, problem) => {
    expect(imageReferenceProblem(reference)).toContain(problem);
  });
});
