/**
 * Generates the API reference into docs/api with the options of typedoc.json, documenting every
 * export subpath of every package under packages/ (read from its `exports` map, through the
 * `@stepup/source` condition) as a module named like its import specifier (`@stepup/acr/amr`).
 * Warnings are errors (typedoc.json), so a broken `{@link}` or an undocumented export fails.
 */
import { join, resolve } from 'node:path'
import { Application, TSConfigReader, TypeDocReader } from 'typedoc'
import { entryPoints } from './entry-points.ts'

const root = resolve(import.meta.dirname, '..')
const names = new Map(entryPoints(root).map((entry) => [entry.file, entry.specifier]))

const app = await Application.bootstrapWithPlugins(
  { options: join(root, 'typedoc.json'), entryPoints: [...names.keys()] },
  [new TypeDocReader(), new TSConfigReader()],
)
const getEntryPoints = app.getEntryPoints.bind(app)
app.getEntryPoints = () =>
  getEntryPoints()?.map((entry) => ({
    ...entry,
    displayName: names.get(entry.sourceFile.fileName) ?? entry.displayName,
  }))

const project = await app.convert()
if (!project) process.exit(1)
app.validate(project)
if (
  app.logger.hasErrors() ||
  (app.options.getValue('treatWarningsAsErrors') && app.logger.hasWarnings())
)
  process.exit(1)
await app.generateOutputs(project)
if (app.logger.hasErrors()) process.exit(1)
console.log(`API reference for ${names.size} entry points in ${app.options.getValue('out')}`)
