import { Resvg } from '@resvg/resvg-js'

/**
 * SVG → PNG with resvg (Rust, prebuilt binaries from the npm registry: no browser, no canvas
 * toolchain). System fonts are loaded for the labels; DejaVu Sans is the Debian default.
 */
export function renderPng(svg: string): Buffer {
  const resvg = new Resvg(svg, {
    background: '#ffffff',
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
  })
  return resvg.render().asPng()
}
