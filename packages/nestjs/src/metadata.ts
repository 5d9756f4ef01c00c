import type { Type } from '@nestjs/common'
import { Controller, Get, Inject, Res } from '@nestjs/common'
import { HttpAdapterHost } from '@nestjs/core'
import type { ProtectedResourceMetadataOptions } from '@stepup/assurance'
import { createProtectedResourceMetadata } from '@stepup/assurance'
import { platformOf } from './platform.js'

/**
 * A controller serving the RFC 9728 protected resource metadata document at
 * `/.well-known/oauth-protected-resource[/path]` (derived from `resource`), with the same
 * headers and body as the other adapters.
 */
export function metadataController(options: ProtectedResourceMetadataOptions): Type<unknown> {
  const { path, headers, body } = createProtectedResourceMetadata(options)
  class ProtectedResourceMetadataController {
    readonly #adapterHost: HttpAdapterHost
    constructor(adapterHost: HttpAdapterHost) {
      this.#adapterHost = adapterHost
    }
    serve(response: object): Promise<void> {
      const platform = platformOf(this.#adapterHost.httpAdapter?.getType(), 'StepUpModule')
      return platform.send(response, 200, headers, body)
    }
  }
  const prototype = ProtectedResourceMetadataController.prototype
  Controller()(ProtectedResourceMetadataController)
  Inject(HttpAdapterHost)(ProtectedResourceMetadataController, undefined, 0)
  Get(path)(prototype, 'serve', Object.getOwnPropertyDescriptor(prototype, 'serve')!)
  Res()(prototype, 'serve', 0)
  return ProtectedResourceMetadataController
}
